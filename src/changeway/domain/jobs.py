"""Durable jobs for long work: states, progress, lease (docs/model.md, "Jobs")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from changeway.domain.audit import Stamp


class JobStatus(StrEnum):
    """A job's state; ``succeeded``, ``failed`` and ``canceled`` are final."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELING = "canceling"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)


#: How long a claimed job stays with its worker without a heartbeat.
LEASE = timedelta(seconds=30)
#: How many times a job whose worker vanished is taken over before it is failed.
MAX_ATTEMPTS = 3


@dataclass
class Job:
    """A unit of long work. ``queue_key`` serializes jobs that must not overlap (one org)."""

    id: int
    kind: str
    status: JobStatus
    org_id: str | None
    payload: dict[str, Any]
    created_at: datetime
    actor: str
    queue_key: str | None = None
    progress: float = 0.0
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    origin: Stamp | None = None
    """Who asked for the job, as the audit trail records it."""
    error_code: str | None = None
    """The machine code of the error that failed the job (docs/model.md, "Errors")."""


@dataclass(frozen=True)
class JobStats:
    """What monitoring reads of the job table, the same from every server: jobs by kind and
    state, the oldest job still waiting, and the time finished jobs ran."""

    counts: dict[tuple[str, str], int]
    """(kind, status) -> how many jobs."""
    oldest_pending: datetime | None
    run_seconds: dict[tuple[str, str], float]
    """(kind, final status) -> seconds between start and end, summed over those jobs."""
