"""References each component content makes, cached so analysis is incremental.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "component_analyses",
        sa.Column("content", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("component_analyses")
