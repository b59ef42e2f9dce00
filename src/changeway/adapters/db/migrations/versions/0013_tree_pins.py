"""Trees a running job stored ahead of referencing them (a deployment's resulting tree,
checked and tested before its version is committed): garbage collection keeps them while
the job runs (docs/adr/0016-garbage-collection.md).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_table(
        "tree_pins",
        sa.Column("root", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.BigInteger(), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("tree_pins")
