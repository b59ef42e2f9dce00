"""Expired leases are taken over without anyone touching the dead job, and a worker that lost
its lease writes nothing more (docs/model.md, "Jobs"; docs/adr/0011-fencing-and-serialization.md).
"""

from __future__ import annotations

from pathlib import Path

from changeway.bootstrap import App
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.deployments import TestLevel as Level
from changeway.domain.jobs import LEASE, Job, JobStatus
from changeway.domain.testing import RunStatus
from changeway.domain.testing import TestRun as Run
from changeway.services.deployments import RUN_JOB, RunDeployment
from changeway.services.jobs import claim, execute, get_job, run_next, wait_for
from changeway.services.worker import Worker
from tests.helpers import trail
from tests.helpers_metadata import (
    apex,
    change_set,
    contents,
    family,
    get,
    head,
    key,
    put,
    request,
)


def two_queued(app: App) -> tuple[int, int]:
    """Two deployments queued into Test; the first is claimed by a worker that then dies."""
    family(app)
    put(app, "Dev", [apex("K0"), apex("K1")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    change_set(app, "Dev", "CS1", "ApexClass:K1", target="Test")
    first, second = request(app, "Test", "CS0"), request(app, "Test", "CS1")
    dead = claim(app.uow, clock=app.clock, worker="dead", handlers=app.handlers)
    assert dead is not None and dead.id == first.job_id
    return first.id, second.id


def job_of(app: App, deployment_id: int) -> Job:
    with app.uow(read_only=True) as uow:
        return get_job(uow, get(app, deployment_id).job_id or 0)


def cli_wait(app: App, job_id: int, *, timeout_seconds: float) -> Job:
    """The embedded CLI's wait loop for ``job_id``, polling quickly."""
    return wait_for(
        job_id,
        uow_factory=app.uow,
        clock=app.clock,
        worker="cli",
        handlers=app.handlers,
        poll_seconds=0.01,
        timeout_seconds=timeout_seconds,
    )


def test_a_deployment_queued_behind_a_dead_one_is_run_by_its_own_wait_loop(app: App) -> None:
    first, second = two_queued(app)
    app.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    ended = cli_wait(app, job_of(app, second).id, timeout_seconds=60)
    assert ended.status is JobStatus.SUCCEEDED, ended.error
    assert get(app, first).status is DeploymentStatus.SUCCEEDED
    assert get(app, second).status is DeploymentStatus.SUCCEEDED
    assert {key("ApexClass:K0"), key("ApexClass:K1")} <= set(contents(app, "Test"))


def test_a_wait_loop_leaves_a_job_whose_lease_still_runs_alone(app: App) -> None:
    first, second = two_queued(app)
    ended = cli_wait(app, job_of(app, second).id, timeout_seconds=0.2)
    assert ended.status is JobStatus.PENDING
    held = job_of(app, first)
    assert (held.status, held.lease_owner, held.attempts) == (JobStatus.IN_PROGRESS, "dead", 1)


def test_any_worker_takes_an_expired_lease_over(app: App) -> None:
    first, second = two_queued(app)
    app.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    worker = Worker(
        uow_factory=app.uow, clock=app.clock, handlers=app.handlers, name="w2", idle=0.001
    )
    assert worker.run(once=True) == 2
    assert [get(app, d).status for d in (first, second)] == [DeploymentStatus.SUCCEEDED] * 2
    assert job_of(app, first).attempts == 2


class TakenOverDuringTests:
    """Runs the tests while another worker, once the lease expired, takes the job over and
    finishes it: the first worker then resumes, like a worker paused and continued."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.took_over: Job | None = None
        self.calls = 0

    def run(self, project: Path, *, level: str, tests: list[str]) -> Run:
        self.calls += 1
        if self.calls == 1:
            self.app.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
            self.took_over = run_next(
                self.app.uow,
                clock=self.app.clock,
                worker="w2",
                handlers={RUN_JOB: RunDeployment(test_runner=self)},
            )
        return Run(RunStatus.PASSED, "1 tests passed", level)


def test_a_worker_that_lost_its_lease_changes_nothing(app: App) -> None:
    family(app)
    put(app, "Dev", [apex("K0")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    before = head(app, "Test")
    d = request(app, "Test", "CS0", test_level=Level.RUN_LOCAL_TESTS)
    runner = TakenOverDuringTests(app)
    handlers = {**app.handlers, RUN_JOB: RunDeployment(test_runner=runner)}
    claimed = claim(app.uow, clock=app.clock, worker="w1", handlers=handlers)
    assert claimed is not None
    seen = execute(claimed, uow_factory=app.uow, clock=app.clock, worker="w1", handlers=handlers)

    assert runner.took_over is not None and runner.took_over.status is JobStatus.SUCCEEDED
    job = job_of(app, d.id)
    assert (seen.status, job.status, job.attempts) == (JobStatus.SUCCEEDED,) * 2 + (2,)
    done = get(app, d.id)
    assert done.status is DeploymentStatus.SUCCEEDED, done.error
    assert head(app, "Test").number == before.number + 1
    assert head(app, "Test").id == done.result_version_id
    succeeded = [e for e in trail(app, "Test") if e.action == "deployment.succeeded"]
    assert len(succeeded) == 1
    assert not [e for e in trail(app, "Test") if e.action == "deployment.failed"]
