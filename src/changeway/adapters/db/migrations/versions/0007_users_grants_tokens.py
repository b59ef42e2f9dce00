"""Users, per-org grants and API tokens; who acted and through which entrypoint.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.schema import UtcDateTime

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("org_id", sa.String(18), primary_key=True, index=True),
        sa.Column("permission", sa.String(40), primary_key=True),
    )
    op.create_table(
        "api_tokens",
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
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("user_name", sa.String(120)))
        batch.add_column(sa.Column("by_user", sa.String(120)))
        batch.add_column(sa.Column("entrypoint", sa.String(10)))
        batch.create_index("ix_audit_events_user_name", ["user_name"])
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("origin", sa.JSON()))
        batch.add_column(sa.Column("error_code", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("error_code")
        batch.drop_column("origin")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_index("ix_audit_events_user_name")
        batch.drop_column("entrypoint")
        batch.drop_column("by_user")
        batch.drop_column("user_name")
    for table in ("api_tokens", "grants", "users"):
        op.drop_table(table)
