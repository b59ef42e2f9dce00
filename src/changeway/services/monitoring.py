"""What monitoring reads from the store: jobs and deployments as every server sees them
(docs/operations.md, "Monitoring")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from changeway.domain.jobs import JobStats
from changeway.services.context import Context


@dataclass(frozen=True)
class Snapshot:
    """One read of the job queue and of deployments' outcomes, at ``at``."""

    jobs: JobStats
    deployments: dict[tuple[str, str], int]
    at: datetime

    @property
    def queue_depth(self) -> int:
        """Jobs waiting for a worker."""
        return sum(n for (_kind, status), n in self.jobs.counts.items() if status == "pending")

    @property
    def oldest_pending_seconds(self) -> float:
        """How long the oldest waiting job has waited (0 when none waits)."""
        oldest = self.jobs.oldest_pending
        return max(0.0, (self.at - oldest).total_seconds()) if oldest else 0.0


def snapshot(ctx: Context) -> Snapshot:
    """Read the job queue and deployments' outcomes in one read-only transaction."""
    with ctx.uow(read_only=True) as uow:
        return Snapshot(
            jobs=uow.jobs.stats(), deployments=uow.deployments.outcomes(), at=ctx.clock.now()
        )
