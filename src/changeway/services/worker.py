"""The worker loop: runs queued jobs until told to stop (docs/adr/0002-jobs.md).

It survives database faults (waiting longer after each failure in a row), stops on SIGTERM
or SIGINT after the job it holds is finished, and on a second signal hands that job back
(pending again, for another worker) instead of finishing it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from changeway.domain.clock import Clock
from changeway.domain.errors import ChangewayError, StoreUnavailable
from changeway.domain.jobs import Job, JobStatus
from changeway.services.jobs import JobHandler, LeaseLost, claim, execute, get_job, hold_lease
from changeway.services.ports import UnitOfWorkFactory

#: Longest wait between attempts while the database keeps failing.
MAX_BACKOFF = 30.0


class HandBack(BaseException):
    """Raised inside a running job when the worker must stop at once."""


@dataclass
class Worker:
    """Claims and runs jobs one at a time; several workers may share one store."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    handlers: Mapping[str, JobHandler]
    name: str
    idle: float = 1.0
    on_job: Callable[[Job], None] | None = None
    on_fault: Callable[[Exception, float], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, *, once: bool = False) -> int:
        """Run jobs until stopped (or, with ``once``, until none is claimable); return how
        many ran."""
        ran = 0
        faults = 0
        while not self.stop.is_set():
            try:
                job = claim(
                    self.uow_factory, clock=self.clock, worker=self.name, handlers=self.handlers
                )
                if job is not None:
                    done = self._execute(job)
                    ran += 1
                    if self.on_job:
                        self.on_job(done)
                faults = 0
            except HandBack:
                break
            except Exception as fault:
                if isinstance(fault, ChangewayError) and not isinstance(fault, StoreUnavailable):
                    raise
                # the database went away or cannot be written: wait, then try again
                faults += 1
                delay = min(MAX_BACKOFF, self.idle * 2 ** (faults - 1))
                if self.on_fault:
                    self.on_fault(fault, delay)
                self.stop.wait(delay)
                continue
            if job is None:
                if once:
                    break
                self.stop.wait(self.idle)
        return ran

    def _execute(self, job: Job) -> Job:
        try:
            return execute(
                job,
                uow_factory=self.uow_factory,
                clock=self.clock,
                worker=self.name,
                handlers=self.handlers,
            )
        except HandBack:
            self.hand_back(job)
            raise

    def hand_back(self, claimed: Job) -> None:
        """Return a job this worker holds to the queue, so that another worker takes it."""
        with self.uow_factory() as uow:
            try:
                hold_lease(uow, claimed)
            except LeaseLost:
                return
            job = get_job(uow, claimed.id)
            if job.status is JobStatus.IN_PROGRESS:
                job.status = JobStatus.PENDING
            job.attempts = max(0, job.attempts - 1)
            job.lease_owner = job.lease_expires_at = None
            job.message = "handed back by a stopping worker"
            uow.jobs.save(job)
            uow.commit()

    @contextmanager
    def signals(self) -> Iterator[None]:
        """While inside, SIGTERM/SIGINT ask the worker to stop after its current job; a second
        signal stops it at once, handing the job back."""

        def handle(_signum: int, _frame: FrameType | None) -> None:
            if self.stop.is_set():
                raise HandBack()
            self.stop.set()

        previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
