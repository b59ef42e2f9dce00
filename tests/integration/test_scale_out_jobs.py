"""Jobs across processes: one running job per queue key held by the store itself, several
workers of one process, a job abandoned by lost workers failed and audited, and what
monitoring reads of the queue (docs/adr/0002-jobs.md)."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import pytest

from changeway.bootstrap import App
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.errors import Conflict
from changeway.domain.jobs import LEASE, MAX_ATTEMPTS, Job, JobStatus
from changeway.services.jobs import JobContext, claim, enqueue, get_job
from changeway.services.monitoring import snapshot
from changeway.services.ports import UnitOfWork
from changeway.services.worker import Worker, WorkerPool
from tests.helpers import trail, user
from tests.helpers_metadata import apex, change_set, family, get, head, put, request


class Meeting:
    """A job kind whose handlers wait until ``parties`` of them run at the same time."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=30)
        self.ran: list[str] = []

    def run(self, ctx: JobContext) -> dict[str, Any]:
        self.barrier.wait()  # broken (an error) unless the others run meanwhile
        self.ran.append(ctx.worker)
        return {}

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """Nothing to undo."""


class Blocking:
    """A job kind whose handler says it started, then waits until released."""

    def __init__(self, started: threading.Event, release: threading.Event) -> None:
        self.started, self.release = started, release

    def run(self, ctx: JobContext) -> dict[str, Any]:
        self.started.set()
        self.release.wait(30)
        return {}

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """Nothing to undo."""


def queue(app: App, kind: str, keys: list[str | None]) -> list[Job]:
    actor = user(app)
    with app.uow() as uow:
        jobs = [
            enqueue(
                uow, kind=kind, actor=actor, org_id=None, payload={}, clock=app.clock, queue_key=k
            )
            for k in keys
        ]
        uow.commit()
    return jobs


def state(app: App, job: Job) -> Job:
    with app.uow(read_only=True) as uow:
        return get_job(uow, job.id)


def force_running(app: App, job: Job) -> None:
    with app.uow() as uow:
        found = get_job(uow, job.id)
        found.status, found.lease_owner = JobStatus.IN_PROGRESS, "elsewhere"
        found.lease_expires_at = app.clock.now() + LEASE
        uow.jobs.save(found)
        uow.commit()


def test_the_store_refuses_a_second_running_job_of_one_queue(app: App) -> None:
    first, second = queue(app, "test.meet", ["org:1", "org:1"])
    force_running(app, first)
    with pytest.raises(Conflict, match="changed meanwhile"):
        force_running(app, second)
    assert state(app, second).status is JobStatus.PENDING


def test_a_claim_that_loses_the_race_for_a_queue_claims_nothing(app: App) -> None:
    # another process started the later job of the queue (its claim raced this one's): the
    # earlier job must wait, not run beside it
    earlier, later = queue(app, "test.meet", ["org:1", "org:1"])
    force_running(app, later)
    handlers = {"test.meet": Meeting(1)}
    assert claim(app.uow, clock=app.clock, worker="w", handlers=handlers) is None
    assert state(app, earlier).status is JobStatus.PENDING
    assert state(app, earlier).attempts == 0


def test_a_pool_runs_jobs_of_different_queues_at_once(app: App) -> None:
    jobs = queue(app, "test.meet", ["org:1", "org:2", None])
    meeting = Meeting(3)
    stop = threading.Event()
    pool = WorkerPool(
        [
            Worker(
                uow_factory=app.uow,
                clock=app.clock,
                handlers={"test.meet": meeting},
                name=f"w/{i}",
                idle=0.01,
                stop=stop,
            )
            for i in range(3)
        ]
    )
    assert pool.run(once=True) == 3
    assert [state(app, j).status for j in jobs] == [JobStatus.SUCCEEDED] * 3
    assert sorted(meeting.ran) == ["w/0", "w/1", "w/2"]


def test_a_second_signal_hands_back_every_job_the_pool_holds(app: App) -> None:
    jobs = queue(app, "test.block", ["org:1", "org:2"])
    started = [threading.Event(), threading.Event()]
    release = threading.Event()
    stop = threading.Event()
    workers = [
        Worker(
            uow_factory=app.uow,
            clock=app.clock,
            handlers={"test.block": Blocking(started[i], release)},
            name=f"w/{i}",
            idle=0.01,
            stop=stop,
        )
        for i in range(2)
    ]
    pool = WorkerPool(workers)

    def signal_twice() -> None:
        for event in started:
            event.wait(30)
        os.kill(os.getpid(), signal.SIGTERM)
        stop.wait(30)  # two signals at once would arrive as one
        os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=signal_twice)
    with pool.signals():
        sender.start()
        pool.run()
    sender.join()
    release.set()
    for thread in threading.enumerate():  # the handlers end; their workers write nothing
        if thread.name in ("w/0", "w/1"):
            thread.join(30)
    back = [state(app, j) for j in jobs]
    assert [(j.status, j.attempts, j.lease_owner) for j in back] == [
        (JobStatus.PENDING, 0, None)
    ] * 2
    assert {j.message for j in back} == {"handed back by a stopping worker"}


def test_a_deployment_abandoned_by_lost_workers_fails_with_the_reason_in_the_audit(
    app: App,
) -> None:
    family(app)
    put(app, "Dev", [apex("K0")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    before = head(app, "Test")
    d = request(app, "Test", "CS0")
    for attempt in range(MAX_ATTEMPTS):
        dead = claim(app.uow, clock=app.clock, worker=f"dead{attempt}", handlers=app.handlers)
        assert dead is not None and dead.attempts == attempt + 1
        app.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    assert claim(app.uow, clock=app.clock, worker="last", handlers=app.handlers) is None

    failed = get(app, d.id)
    assert failed.status is DeploymentStatus.FAILED
    assert failed.error == f"abandoned after {MAX_ATTEMPTS} attempts by lost workers"
    assert head(app, "Test").id == before.id
    ends = [e for e in trail(app, "Test") if e.details.get("deployment") == d.id]
    assert [e.action for e in ends] == ["deployment.requested", "deployment.failed"]
    assert ends[-1].details["error"] == failed.error


def test_monitoring_reads_the_queue_from_the_store(app: App) -> None:
    empty = snapshot(app)
    assert (empty.queue_depth, empty.oldest_pending_seconds) == (0, 0.0)
    first, _second = queue(app, "test.meet", [None, None])
    app.clock.advance(seconds=90)  # type: ignore[attr-defined]
    third = queue(app, "test.meet", [None])[0]
    ran = claim(app.uow, clock=app.clock, worker="w", handlers={"test.meet": Meeting(1)})
    assert ran is not None and ran.id == first.id
    app.clock.advance(seconds=30)  # type: ignore[attr-defined]
    with app.uow() as uow:
        job = get_job(uow, first.id)
        job.status, job.finished_at = JobStatus.SUCCEEDED, app.clock.now()
        uow.jobs.save(job)
        uow.commit()

    now = snapshot(app)
    assert now.queue_depth == 2
    assert now.oldest_pending_seconds == 120.0  # the second job, queued with the first
    assert now.jobs.counts == {("test.meet", "pending"): 2, ("test.meet", "succeeded"): 1}
    assert now.jobs.run_seconds == {("test.meet", "succeeded"): pytest.approx(30.0)}
    assert state(app, third).status is JobStatus.PENDING
