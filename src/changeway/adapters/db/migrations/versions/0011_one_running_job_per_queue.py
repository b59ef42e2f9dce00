"""One running job per queue key: per-org serialization holds across worker processes even
if two claims race (docs/adr/0002-jobs.md).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"

_RUNNING = sa.text("status IN ('in_progress', 'canceling') AND queue_key IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ux_jobs_running_queue_key",
        "jobs",
        ["queue_key"],
        unique=True,
        postgresql_where=_RUNNING,
        sqlite_where=_RUNNING,
    )


def downgrade() -> None:
    op.drop_index("ux_jobs_running_queue_key", "jobs")
