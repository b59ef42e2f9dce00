"""Content-addressed file contents, tree nodes and org metadata versions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.schema import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "tree_nodes",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "org_versions",
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


def downgrade() -> None:
    for table in ("org_versions", "tree_nodes", "blobs"):
        op.drop_table(table)
