"""The worker loop: survives database faults, stops on a signal after its job, and hands
the job back on a second signal (docs/adr/0002-jobs.md)."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
import sqlalchemy as sa

from changeway.bootstrap import App
from changeway.domain.jobs import Job, JobStatus
from changeway.services.jobs import JobContext, enqueue, get_job
from changeway.services.ports import UnitOfWork
from changeway.services.worker import Worker
from tests.helpers import user


class Signals:
    """A job kind whose handler sends itself ``count`` SIGTERMs while it runs."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.ran: list[int] = []

    def run(self, ctx: JobContext) -> dict[str, Any]:
        self.ran.append(ctx.job.id)
        for _ in range(self.count):
            os.kill(os.getpid(), signal.SIGTERM)
        return {"done": True}

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """Nothing to undo."""


def queue(app: App, n: int) -> list[Job]:
    actor = user(app)
    with app.uow() as uow:
        jobs = [
            enqueue(uow, kind="test.signal", actor=actor, org_id=None, payload={}, clock=app.clock)
            for _ in range(n)
        ]
        uow.commit()
    return jobs


def status(app: App, job: Job) -> Job:
    with app.uow(read_only=True) as uow:
        return get_job(uow, job.id)


def worker(app: App, handler: Signals, **options: Any) -> Worker:
    return Worker(
        uow_factory=app.uow,
        clock=app.clock,
        handlers={"test.signal": handler},
        name="w1",
        idle=0.001,
        **options,
    )


def test_a_signal_stops_the_worker_after_the_job_it_holds(app: App) -> None:
    first, second = queue(app, 2)
    handler = Signals(1)
    runner = worker(app, handler)
    with runner.signals():
        assert runner.run() == 1
    assert status(app, first).status is JobStatus.SUCCEEDED
    assert status(app, second).status is JobStatus.PENDING
    assert handler.ran == [first.id]


def test_a_second_signal_hands_the_job_back(app: App) -> None:
    [job] = queue(app, 1)
    runner = worker(app, Signals(2))
    with runner.signals():
        assert runner.run() == 0
    back = status(app, job)
    assert (back.status, back.lease_owner, back.attempts) == (JobStatus.PENDING, None, 0)
    assert back.message == "handed back by a stopping worker"
    assert worker(app, Signals(0)).run(once=True) == 1  # another worker takes it
    assert status(app, job).status is JobStatus.SUCCEEDED


def test_the_worker_survives_database_faults_waiting_longer_each_time(app: App) -> None:
    [job] = queue(app, 1)
    faults: list[float] = []
    broken = {"left": 3}

    def flaky(*, read_only: bool = False) -> UnitOfWork:
        if broken["left"]:
            broken["left"] -= 1
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("database is gone"))
        return app.uow(read_only=read_only)

    runner = Worker(
        uow_factory=flaky,
        clock=app.clock,
        handlers={"test.signal": Signals(0)},
        name="w1",
        idle=0.001,
        on_fault=lambda _fault, delay: faults.append(delay),
    )
    assert runner.run(once=True) == 1
    assert faults == [0.001, 0.002, 0.004]
    assert status(app, job).status is JobStatus.SUCCEEDED


@pytest.fixture(autouse=True)
def _keep_signals() -> Any:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    assert {s: signal.getsignal(s) for s in before} == before
