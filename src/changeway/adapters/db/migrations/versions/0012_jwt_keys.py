"""JWT bearer keys: per user and client id, the public key CI signs login assertions with.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.schema import UtcDateTime

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_table(
        "jwt_keys",
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("client_id", sa.String(255), primary_key=True),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("jwt_keys")
