"""Where-used index: the names each cached analysis may resolve to, and the trees whose
every component is analysed (so a where-used or deletion check reads only the users).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "reference_names",
        sa.Column("content", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("target_type", sa.String(80), primary_key=True),
        sa.Column("target_name", sa.String(255), primary_key=True),
        sa.Column("target_object", sa.String(255), nullable=False),
    )
    op.create_index("ix_reference_names_target", "reference_names", ["target_type", "target_name"])
    op.create_index("ix_reference_names_object", "reference_names", ["target_object"])
    op.create_table("analysed_trees", sa.Column("key", sa.String(64), primary_key=True))


def downgrade() -> None:
    op.drop_table("analysed_trees")
    op.drop_index("ix_reference_names_object", "reference_names")
    op.drop_index("ix_reference_names_target", "reference_names")
    op.drop_table("reference_names")
