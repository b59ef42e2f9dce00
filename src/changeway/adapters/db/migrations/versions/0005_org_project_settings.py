"""Each org remembers how its source files are laid out (API version, decompositions).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("orgs") as batch:
        batch.add_column(sa.Column("project", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("orgs") as batch:
        batch.drop_column("project")
