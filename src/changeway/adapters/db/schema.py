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
)
