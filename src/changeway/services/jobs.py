"""Running durable jobs: enqueue in the caller's transaction, claim under a lease, execute.

A job's handler does its work in short transactions and reports progress, which also renews
the lease. A worker that dies leaves an expired lease: the next worker takes the job over
(handlers are idempotent) or, after MAX_ATTEMPTS, fails it cleanly through the handler's
``fail`` so that nothing stays half done. Every write a handler makes is fenced: it first
checks, in its own transaction, that this claim still holds the lease, so a worker that lost
its job (paused, then taken over) writes nothing more (docs/adr/0011-fencing-and-serialization.md).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from changeway.domain.clock import Clock
from changeway.domain.errors import ChangewayError, Conflict, NotFound
from changeway.domain.jobs import LEASE, MAX_ATTEMPTS, Job, JobStatus
from changeway.domain.permissions import Actor, Permission
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.paging import Page, keyset_page
from changeway.services.ports import UnitOfWork, UnitOfWorkFactory

ProgressListener = Callable[[Job], None]
log = logging.getLogger("changeway.jobs")


class JobCanceled(Exception):
    """Raised by a handler that stopped because its job was asked to cancel."""


class LeaseLost(Exception):
    """This claim no longer holds the job: another worker took it over (or it ended)."""


class JobHandler(Protocol):
    """The work of one job kind."""

    def run(self, ctx: JobContext) -> dict[str, Any]:
        """Do the work (idempotently); return the job's result."""
        ...

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """Undo or mark what the job started, in the transaction that fails it."""
        ...


@dataclass
class JobContext:
    """What a handler gets: its job, storage, the clock, and a way to report progress."""

    job: Job
    uow_factory: UnitOfWorkFactory
    clock: Clock
    worker: str
    listener: ProgressListener | None = None

    def progress(self, fraction: float, message: str) -> None:
        """Record progress and renew the lease, in a transaction of its own."""
        job = self._renew(fraction, message)
        if self.listener:
            self.listener(job)

    @contextmanager
    def fenced(self) -> Iterator[UnitOfWork]:
        """A write transaction that goes ahead only while this claim still holds the job's
        lease; raises :class:`LeaseLost` otherwise."""
        with self.uow_factory() as uow:
            hold_lease(uow, self.job)
            yield uow

    @contextmanager
    def keep_alive(self, every: float = LEASE.total_seconds() / 3) -> Iterator[None]:
        """Renew the lease every ``every`` seconds from a background thread while one long
        step runs (a test run), so that no other worker takes the job over meanwhile."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(every):
                try:
                    self._renew(self.job.progress, self.job.message)
                except LeaseLost:  # the next write of the handler stops it
                    return

        thread = threading.Thread(target=beat, name=f"lease-{self.job.id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _renew(self, fraction: float, message: str) -> Job:
        with self.fenced() as uow:
            job = get_job(uow, self.job.id)
            job.progress = max(0.0, min(1.0, fraction))
            job.message = message
            job.lease_expires_at = self.clock.now() + LEASE
            uow.jobs.save(job)
            uow.commit()
        self.job = job
        return job


def hold_lease(uow: UnitOfWork, claimed: Job) -> None:
    """Check, in the caller's write transaction, that the claim ``claimed`` (its lease owner
    and attempt, a fencing token) still holds the job; the job's row stays locked until the
    transaction ends (PostgreSQL; SQLite's writer holds the database)."""
    job = uow.jobs.get(claimed.id, lock=True)
    if (
        job is None
        or job.status.is_final
        or (job.lease_owner, job.attempts) != (claimed.lease_owner, claimed.attempts)
    ):
        raise LeaseLost(f"job {claimed.id} is no longer held by {claimed.lease_owner}")


def worker_name() -> str:
    """A worker identity that tells hosts and processes apart in job rows."""
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    actor: Actor,
    org_id: str | None,
    payload: Mapping[str, Any],
    clock: Clock,
    queue_key: str | None = None,
) -> Job:
    """Insert a pending job in the caller's transaction (committed with the change that asks)."""
    return uow.jobs.add(
        Job(
            id=0,
            kind=kind,
            status=JobStatus.PENDING,
            org_id=org_id,
            payload=dict(payload),
            created_at=clock.now(),
            actor=actor.label,
            queue_key=queue_key,
            message="queued",
            origin=actor.stamp,
        )
    )


def get_job(uow: UnitOfWork, job_id: int) -> Job:
    """One job, or NotFound."""
    job = uow.jobs.get(job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


def show_job(ctx: Context, *, actor: Actor, job_id: int) -> Job:
    """One job, for whoever asked for it, administrators, or users who may see its org."""
    with ctx.uow(read_only=True) as uow:
        job = get_job(uow, job_id)
        if not _may_see(uow, actor, job):
            raise NotFound(f"no job {job_id}")
    return job


def list_jobs(
    ctx: Context,
    *,
    actor: Actor,
    org: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[Job]:
    """Jobs newest first (of one org, or every org the actor may see), paged."""
    with ctx.uow(read_only=True) as uow:
        ids: list[str] | None = None
        if org is not None:
            ids = [org_for(uow, actor, org).id]
        elif not actor.is_admin:
            ids = [o.id for o in uow.orgs.all(include_gone=True) if actor.can_see(o)]
        return keyset_page(
            lambda before, n: uow.jobs.list(org_ids=ids, before=before, limit=n),
            lambda j: j.id,
            cursor=cursor,
            limit=limit,
        )


def _may_see(uow: UnitOfWork, actor: Actor, job: Job) -> bool:
    if actor.is_admin or (job.origin is not None and job.origin.user == actor.name):
        return True
    org = uow.orgs.get(job.org_id) if job.org_id else None
    return org is not None and actor.holds(Permission.VIEW_SETUP, org)


def claim(
    uow_factory: UnitOfWorkFactory,
    *,
    clock: Clock,
    worker: str,
    handlers: Mapping[str, JobHandler],
    job_id: int | None = None,
    queue_key: str | None = None,
) -> Job | None:
    """Take the next claimable job (or ``job_id``, or the next of ``queue_key``) under a
    lease; fail it after too many tries. Losing a race for a queue to another process (one
    running job per queue key, a unique index) leaves nothing to claim this time."""
    try:
        return _claim(uow_factory, clock, worker, handlers, job_id, queue_key)
    except Conflict:
        return None


def _claim(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    worker: str,
    handlers: Mapping[str, JobHandler],
    job_id: int | None,
    queue_key: str | None,
) -> Job | None:
    with uow_factory() as uow:
        job = uow.jobs.claimable(clock.now(), job_id=job_id, queue_key=queue_key)
        if job is None:
            return None
        now = clock.now()
        job.attempts += 1
        if job.attempts > MAX_ATTEMPTS:
            why = f"abandoned after {MAX_ATTEMPTS} attempts by lost workers"
            _finish_failed(uow, job, handlers, why, now)
            uow.commit()
            log.warning(why, extra={"job_id": job.id, "kind": job.kind, "worker": worker})
            return None
        job.status = JobStatus.IN_PROGRESS
        job.started_at = job.started_at or now
        job.lease_owner = worker
        job.lease_expires_at = now + LEASE
        if job.attempts > 1:
            job.message = f"resumed (attempt {job.attempts})"
        uow.jobs.save(job)
        uow.commit()
        return job


def execute(
    job: Job,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    worker: str,
    handlers: Mapping[str, JobHandler],
    listener: ProgressListener | None = None,
) -> Job:
    """Run a claimed job's handler and record its outcome; a claim that lost its lease
    meanwhile records nothing and returns the job as its new holder left it."""
    ctx = JobContext(
        job=job, uow_factory=uow_factory, clock=clock, worker=worker, listener=listener
    )
    about = {"job_id": job.id, "kind": job.kind, "worker": worker, "attempt": job.attempts}
    log.info("job started", extra=about)
    began = time.monotonic()
    try:
        done = _outcome(ctx, handlers)
    except LeaseLost:
        log.warning("job lost its lease to another worker", extra=about)
        with uow_factory(read_only=True) as uow:
            return get_job(uow, job.id)
    log.info(
        "job ended",
        extra={
            **about,
            "status": done.status.value,
            "error": done.error,
            "seconds": round(time.monotonic() - began, 3),
        },
    )
    return done


def _outcome(ctx: JobContext, handlers: Mapping[str, JobHandler]) -> Job:
    try:
        result = handlers[ctx.job.kind].run(ctx)
    except LeaseLost:
        raise
    except JobCanceled:
        return _end(ctx, JobStatus.CANCELED, "canceled")
    except ChangewayError as error:
        return _fail(ctx, handlers, str(error), error.code)
    except Exception as error:  # an unexpected fault must still end the job, never leave it stuck
        return _fail(ctx, handlers, f"internal error: {error!r}", "internal_error")
    return _end(ctx, JobStatus.SUCCEEDED, "done", result)


def _end(
    ctx: JobContext, status: JobStatus, message: str, result: dict[str, Any] | None = None
) -> Job:
    with ctx.fenced() as uow:
        done = get_job(uow, ctx.job.id)
        done.status = status
        if status is JobStatus.SUCCEEDED:
            done.progress = 1.0
        done.message = message
        done.result = result or {}
        done.finished_at = ctx.clock.now()
        done.lease_owner = done.lease_expires_at = None
        uow.jobs.save(done)
        uow.commit()
    if ctx.listener:
        ctx.listener(done)
    return done


def run_next(
    uow_factory: UnitOfWorkFactory,
    *,
    clock: Clock,
    worker: str,
    handlers: Mapping[str, JobHandler],
    listener: ProgressListener | None = None,
    job_id: int | None = None,
    queue_key: str | None = None,
) -> Job | None:
    """Claim and execute one job; ``None`` when there is nothing to do."""
    job = claim(
        uow_factory,
        clock=clock,
        worker=worker,
        handlers=handlers,
        job_id=job_id,
        queue_key=queue_key,
    )
    if job is None:
        return None
    return execute(
        job,
        uow_factory=uow_factory,
        clock=clock,
        worker=worker,
        handlers=handlers,
        listener=listener,
    )


def wait_for(
    job_id: int,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    worker: str,
    handlers: Mapping[str, JobHandler],
    listener: ProgressListener | None = None,
    poll_seconds: float = 0.2,
    timeout_seconds: float | None = None,
) -> Job:
    """Follow a job to its end, running it here when no other worker has it (embedded mode).

    While the job waits behind another of its queue (one org), the loop runs that one: a
    job whose worker died is taken over once its lease expires, without anyone else acting.
    """
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    while True:
        with uow_factory(read_only=True) as uow:
            job = get_job(uow, job_id)
        if job.status.is_final:
            return job
        if listener:
            listener(job)
        ran = run_next(
            uow_factory,
            clock=clock,
            worker=worker,
            handlers=handlers,
            listener=listener,
            job_id=job_id,
        )
        if ran is not None and ran.status.is_final and ran.id == job_id:
            return ran
        if ran is None and job.queue_key is not None:
            ran = run_next(
                uow_factory,
                clock=clock,
                worker=worker,
                handlers=handlers,
                queue_key=job.queue_key,
            )
        if ran is not None:
            continue
        if deadline is not None and time.monotonic() > deadline:
            return job
        time.sleep(poll_seconds)


def _fail(ctx: JobContext, handlers: Mapping[str, JobHandler], error: str, code: str) -> Job:
    with ctx.fenced() as uow:
        job = get_job(uow, ctx.job.id)
        _finish_failed(uow, job, handlers, error, ctx.clock.now(), code)
        uow.commit()
    if ctx.listener:
        ctx.listener(job)
    return job


def _finish_failed(
    uow: UnitOfWork,
    job: Job,
    handlers: Mapping[str, JobHandler],
    error: str,
    now: datetime,
    code: str = "abandoned",
) -> None:
    job.finished_at = now
    handlers[job.kind].fail(uow, job, error)
    job.status = JobStatus.FAILED
    job.error = error
    job.error_code = code
    job.message = "failed"
    job.lease_owner = job.lease_expires_at = None
    uow.jobs.save(job)
