"""Table definitions (SQLAlchemy Core); Alembic migrations create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both SQLite (which drops the zone) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

orgs = sa.Table(
    "orgs",
    metadata,
    sa.Column("id", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("production_id", sa.String(18), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("copied_at", UtcDateTime()),
    sa.Column("source_id", sa.String(18)),
    sa.Column("replaces_id", sa.String(18)),
    sa.Column("allow_direct_changes", sa.Boolean(), nullable=False),
    sa.Column("head_version_id", sa.BigInteger()),
    sa.Column("limits", sa.JSON()),
    sa.Column("project", sa.JSON()),
)

authorizations = sa.Table(
    "authorizations",
    metadata,
    sa.Column("target_id", sa.String(18), primary_key=True),
    sa.Column("source_id", sa.String(18), primary_key=True),
    sa.Column("granted_by", sa.String(120), nullable=False),
    sa.Column("granted_at", UtcDateTime(), nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("org_id", sa.String(18), index=True),
    sa.Column("queue_key", sa.String(60), index=True),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("progress", sa.Float(), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("result", sa.JSON(), nullable=False),
    sa.Column("error", sa.Text()),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("started_at", UtcDateTime()),
    sa.Column("finished_at", UtcDateTime()),
    sa.Column("lease_owner", sa.String(80)),
    sa.Column("lease_expires_at", UtcDateTime()),
    sa.Column("origin", sa.JSON()),
    sa.Column("error_code", sa.String(40)),
    # Migration 0011 adds a unique partial index on queue_key over running jobs (one running
    # job per queue key: serialization that holds across processes). It is not declared
    # here: its dialect options make SQLAlchemy import the PostgreSQL dialect, which every
    # embedded command would pay for.
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("org_id", sa.String(18), index=True),
    sa.Column("org_name", sa.String(80)),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("user_name", sa.String(120), index=True),
    sa.Column("by_user", sa.String(120)),
    sa.Column("entrypoint", sa.String(10)),
)

blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
)

tree_nodes = sa.Table(
    "tree_nodes",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("data", sa.LargeBinary(), nullable=False),
)

# Trees a running job stored before referencing them (migration 0013): kept by garbage
# collection until the job ends.
tree_pins = sa.Table(
    "tree_pins",
    metadata,
    sa.Column("root", sa.String(64), primary_key=True),
    sa.Column("job_id", sa.BigInteger(), primary_key=True),
)

org_versions = sa.Table(
    "org_versions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("org_id", sa.String(18), nullable=False, index=True),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("parent_id", sa.BigInteger()),
    sa.Column("root", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("author", sa.String(120), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("components", sa.Integer(), nullable=False),
    sa.UniqueConstraint("org_id", "number"),
)

change_sets = sa.Table(
    "change_sets",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("org_id", sa.String(18), nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("closed_at", UtcDateTime()),
    sa.Column("source_version_id", sa.BigInteger()),
    sa.UniqueConstraint("org_id", "name"),
)

change_set_items = sa.Table(
    "change_set_items",
    metadata,
    sa.Column("change_set_id", sa.BigInteger(), primary_key=True),
    sa.Column("type", sa.String(80), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("phase", sa.String(10)),
    sa.Column("content", sa.String(64)),
    sa.Column("known", sa.JSON(), nullable=False),
)

inbound_change_sets = sa.Table(
    "inbound_change_sets",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("change_set_id", sa.BigInteger(), nullable=False),
    sa.Column("target_org_id", sa.String(18), nullable=False, index=True),
    sa.Column("source_org_id", sa.String(18), nullable=False),
    sa.Column("uploaded_by", sa.String(120), nullable=False),
    sa.Column("uploaded_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("deployed_at", UtcDateTime()),
)

deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("target_org_id", sa.String(18), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("inbound_id", sa.BigInteger()),
    sa.Column("validation_id", sa.BigInteger()),
    sa.Column("rollback_of_id", sa.BigInteger()),
    sa.Column("test_level", sa.String(30), nullable=False),
    sa.Column("tests", sa.JSON(), nullable=False),
    sa.Column("allow_overwrite", sa.Boolean(), nullable=False),
    sa.Column("overwrite_reason", sa.Text()),
    sa.Column("base_version_id", sa.BigInteger()),
    sa.Column("result_version_id", sa.BigInteger()),
    sa.Column("job_id", sa.BigInteger()),
    sa.Column("started_at", UtcDateTime()),
    sa.Column("finished_at", UtcDateTime()),
    sa.Column("components", sa.JSON(), nullable=False),
    sa.Column("tests_result", sa.JSON(), nullable=False),
    sa.Column("error", sa.Text()),
    sa.Column("timings", sa.JSON(), nullable=False),
    sa.Column("items", sa.JSON()),
)

retrieve_requests = sa.Table(
    "retrieve_requests",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("org_id", sa.String(18), nullable=False, index=True),
    sa.Column("version_id", sa.BigInteger(), nullable=False),
    sa.Column("members", sa.JSON(), nullable=False),
    sa.Column("single_package", sa.Boolean(), nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

component_analyses = sa.Table(
    "component_analyses",
    metadata,
    sa.Column("content", sa.String(64), primary_key=True),
    sa.Column("type", sa.String(80), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("data", sa.JSON(), nullable=False),
)

# Where-used index: a cached analysis (content, source key) -> each (type, lower-cased name)
# its references may resolve to.
reference_names = sa.Table(
    "reference_names",
    metadata,
    sa.Column("content", sa.String(64), primary_key=True),
    sa.Column("type", sa.String(80), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("target_type", sa.String(80), primary_key=True),
    sa.Column("target_name", sa.String(255), primary_key=True),
    # The object holding the target when it is an object's child (fields...), else "".
    sa.Column("target_object", sa.String(255), nullable=False),
    sa.Index("ix_reference_names_target", "target_type", "target_name"),
    sa.Index("ix_reference_names_object", "target_object"),
)

# Trees (keyed with the extractors' version) whose every component has a cached analysis.
analysed_trees = sa.Table(
    "analysed_trees", metadata, sa.Column("key", sa.String(64), primary_key=True)
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("is_admin", sa.Boolean(), nullable=False),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("user_id", sa.BigInteger(), primary_key=True),
    sa.Column("org_id", sa.String(18), primary_key=True, index=True),
    sa.Column("permission", sa.String(40), primary_key=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("user_id", sa.BigInteger(), nullable=False, index=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("org_id", sa.String(18)),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime()),
    sa.Column("revoked_at", UtcDateTime()),
)

jwt_keys = sa.Table(
    "jwt_keys",
    metadata,
    sa.Column("user_id", sa.BigInteger(), primary_key=True),
    sa.Column("client_id", sa.String(255), primary_key=True),
    sa.Column("public_key", sa.Text(), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.BigInteger(), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)
