"""Orgs, authorizations, jobs and the audit trail.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.schema import UtcDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "orgs",
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
    op.create_table(
        "authorizations",
        sa.Column("target_id", sa.String(18), primary_key=True),
        sa.Column("source_id", sa.String(18), primary_key=True),
        sa.Column("granted_by", sa.String(120), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "jobs",
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
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("org_id", sa.String(18), index=True),
        sa.Column("org_name", sa.String(80)),
        sa.Column("details", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_events", "jobs", "authorizations", "orgs"):
        op.drop_table(table)
