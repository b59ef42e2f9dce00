"""The worker loop: runs queued jobs until told to stop (docs/adr/0002-jobs.md).

It survives database faults (waiting longer after each failure in a row), stops on SIGTERM
or SIGINT after the job it holds is finished, and on a second signal hands that job back
(pending again, for another worker) instead of finishing it. A pool runs several loops on
threads of one process, under the same signals.
"""

from __future__ import annotations

import contextlib
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
    current: Job | None = None

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
        self.current = job
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
        finally:
            self.current = None

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

    def signals(self) -> contextlib.AbstractContextManager[None]:
        """While inside, SIGTERM/SIGINT ask the worker to stop after its current job; a second
        signal stops it at once, handing the job back."""
        return _signals(self.stop)


@dataclass
class WorkerPool:
    """Workers on threads of one process (``worker --concurrency``), stopped together: each
    finishes its job on a first signal; a second hands every held job back."""

    workers: list[Worker]

    def run(self, *, once: bool = False) -> int:
        """Run every worker until stopped (or, with ``once``, until none finds a job); return
        how many jobs ran."""
        ran: list[int] = []
        threads = [
            threading.Thread(
                target=lambda w=w: ran.append(w.run(once=once)), name=w.name, daemon=True
            )
            for w in self.workers
        ]
        for thread in threads:
            thread.start()
        try:
            while any(thread.is_alive() for thread in threads):
                for thread in threads:
                    thread.join(timeout=0.2)
        except HandBack:
            for w in self.workers:
                held = w.current
                if held is not None:
                    w.hand_back(held)  # fenced: the thread still running it writes nothing more
        return sum(ran)

    def signals(self) -> contextlib.AbstractContextManager[None]:
        """Signals as for one worker, for all of them (they share one stop event)."""
        return _signals(self.workers[0].stop)


@contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``; a second one raises :class:`HandBack` in the main thread."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise HandBack()
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
