"""Change sets (outbound and inbound) and deployments.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.schema import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "change_sets",
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
    op.create_table(
        "change_set_items",
        sa.Column("change_set_id", sa.BigInteger(), primary_key=True),
        sa.Column("type", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("phase", sa.String(10)),
        sa.Column("content", sa.String(64)),
        sa.Column("known", sa.JSON(), nullable=False),
    )
    op.create_table(
        "inbound_change_sets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("change_set_id", sa.BigInteger(), nullable=False),
        sa.Column("target_org_id", sa.String(18), nullable=False, index=True),
        sa.Column("source_org_id", sa.String(18), nullable=False),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("deployed_at", UtcDateTime()),
    )
    op.create_table(
        "deployments",
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
    )


def downgrade() -> None:
    for table in ("deployments", "inbound_change_sets", "change_set_items", "change_sets"):
        op.drop_table(table)
