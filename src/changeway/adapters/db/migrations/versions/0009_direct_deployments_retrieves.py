"""Direct deployments (a zip deployed into an org, no change set) keep their components;
retrieve requests of Salesforce's tools are remembered until they are fetched.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.schema import UtcDateTime

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("items", sa.JSON()))
    op.create_table(
        "retrieve_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("org_id", sa.String(18), nullable=False, index=True),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("single_package", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retrieve_requests")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("items")
