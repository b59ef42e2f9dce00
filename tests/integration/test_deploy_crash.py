"""A deployment survives its worker being killed at any moment (docs/model.md, "Validation
and deployment"; ADR 0004).

A worker process deploys a large-ish change set (or rolls it back) and is killed with SIGKILL
after a random delay. After each kill the target holds exactly the old or exactly the new
components, and running the worker again once the lease has expired ends the job: it is
resumed to success (the target then holds the new state) or failed cleanly (the old one).

A worker paused with SIGSTOP and continued with SIGCONT finishes its job; one paused until
its lease expired and the job was taken over and finished elsewhere changes nothing when it
resumes (fencing; docs/adr/0011-fencing-and-serialization.md).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from changeway.bootstrap import App
from changeway.domain.components import ComponentKey
from changeway.domain.deployments import Deployment, DeploymentKind, DeploymentStatus
from changeway.domain.jobs import LEASE, JobStatus
from changeway.services import deployments
from changeway.services.jobs import get_job, run_next
from tests.helpers import WORKER, trail, user
from tests.helpers_metadata import apex, change_set, contents, family, get, put, request

WORKER_SCRIPT = Path(__file__).with_name("deploy_worker.py")
REPO = Path(__file__).resolve().parents[2]
COMPONENTS = 300
KILLS = 5


#: The progress message of a deployment's checks (services/deployments.py), where workers pause.
CHECKING = "checking components and dependencies"


def _schema(app: App) -> str:
    if app.engine.dialect.name != "postgresql":
        return ""
    with app.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT current_schema()").scalar())


def _spawn(app: App, job_id: int, pause_at: str | None = None) -> subprocess.Popen[str]:
    url = "" if app.engine.dialect.name == "sqlite" else app.settings.database_url
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            str(WORKER_SCRIPT),
            str(app.settings.data_dir),
            url,
            _schema(app),
            str(job_id),
            app.clock.now().isoformat(),
            *([pause_at] if pause_at else []),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _wait_ready(worker: subprocess.Popen[str]) -> None:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    assert line.strip() == "ready", f"worker did not start: {line!r}"


def _reap(worker: subprocess.Popen[str]) -> int:
    code = worker.wait(timeout=60)
    assert worker.stdout is not None
    worker.stdout.close()
    return code


def _next_request(app: App, state_is_new: bool, last_deploy: int | None) -> Deployment:
    """Deploy the change set when the target is old; roll the last deployment back when new."""
    if not state_is_new:
        return request(app, "Test", "BIG")
    assert last_deploy is not None
    return deployments.rollback(app, actor=user(app), deployment_id=last_deploy)


def _finish(app: App, d: Deployment) -> Deployment:
    """Run the worker again after the lease expired; the job must end."""
    app.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    with app.uow() as uow:
        job = get_job(uow, d.job_id or 0)
    if not job.status.is_final:
        run_next(app.uow, clock=app.clock, worker=WORKER, handlers=app.handlers, job_id=job.id)
    with app.uow() as uow:
        job = get_job(uow, d.job_id or 0)
    assert job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), (job.status, job.error)
    done = get(app, d.id)
    assert done.status.is_final, done.status
    return done


def test_a_killed_deployment_leaves_the_target_old_or_new_and_is_resumed_or_failed(
    app: App,
) -> None:
    family(app)
    put(
        app,
        "Dev",
        [
            apex(f"Big{i:04d}", f"class Big{i:04d} {{ /* {'x' * 200} */ }}")
            for i in range(COMPONENTS)
        ],
    )
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")], delete=["ApexClass:B"])
    change_set(app, "Dev", "BIG", "ApexClass:*", target="Test", deletions=["ApexClass:B"])
    old = contents(app, "Test")
    dev = contents(app, "Dev")
    new = {k: v for k, v in old.items() if k != ComponentKey("ApexClass", "B")}
    new.update({k: v for k, v in dev.items() if k.type == "ApexClass"})
    assert len(new) == COMPONENTS + 2

    # An uninterrupted run measures how long the work takes after the worker is ready.
    d = request(app, "Test", "BIG")
    worker = _spawn(app, d.job_id or 0)
    _wait_ready(worker)
    started = time.monotonic()
    assert _reap(worker) == 0
    work = time.monotonic() - started
    assert get(app, d.id).status is DeploymentStatus.SUCCEEDED
    assert contents(app, "Test") == new
    last_deploy: int | None = d.id
    state_is_new = True

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    killed = 0
    for round_ in range(KILLS):
        d = _next_request(app, state_is_new, last_deploy)
        worker = _spawn(app, d.job_id or 0)
        _wait_ready(worker)
        time.sleep(rng.uniform(0, work * 1.2))
        worker.send_signal(signal.SIGKILL)
        killed += _reap(worker) == -signal.SIGKILL
        before, after = (new, old) if state_is_new else (old, new)
        where = f"round {round_}, seed {seed}, {d.kind.value} {d.id}"
        assert contents(app, "Test") in (before, after), f"half-applied after the kill: {where}"
        done = _finish(app, d)
        expected = after if done.status is DeploymentStatus.SUCCEEDED else before
        assert contents(app, "Test") == expected, where
        if done.status is DeploymentStatus.SUCCEEDED:
            state_is_new = not state_is_new
            if done.kind is DeploymentKind.DEPLOYMENT:
                last_deploy = done.id
    assert killed, f"no kill landed while the worker was running (seed {seed}, work {work:.2f} s)"


def _paused(app: App, pause_at: str) -> tuple[Deployment, subprocess.Popen[str]]:
    """A deployment whose worker process stopped itself (SIGSTOP) at ``pause_at``."""
    family(app)
    put(app, "Dev", [apex(f"P{i}") for i in range(20)])
    change_set(app, "Dev", "PAUSE", "ApexClass:P*", target="Test")
    d = request(app, "Test", "PAUSE")
    worker = _spawn(app, d.job_id or 0, pause_at)
    _wait_ready(worker)
    assert worker.stdout is not None
    said = worker.stdout.readline().strip()
    if said != "paused":
        _reap(worker)
        pytest.fail(f"the worker never reached {pause_at!r}: it said {said!r}")
    _, status = os.waitpid(worker.pid, os.WUNTRACED)  # until the stop has happened
    assert os.WIFSTOPPED(status), status
    return d, worker


def _resume(worker: subprocess.Popen[str]) -> str:
    worker.send_signal(signal.SIGCONT)
    assert worker.stdout is not None
    said = worker.stdout.readline().strip()
    assert _reap(worker) == 0
    return said


def test_a_worker_stopped_and_continued_finishes_its_deployment(app: App) -> None:
    d, worker = _paused(app, CHECKING)
    assert _resume(worker) == "done succeeded"
    done = get(app, d.id)
    assert done.status is DeploymentStatus.SUCCEEDED, done.error
    assert len([k for k in contents(app, "Test") if k.name.startswith("P")]) == 20


@pytest.mark.parametrize("pause_at", [CHECKING, "applying"])
def test_a_paused_worker_whose_job_was_taken_over_changes_nothing_when_it_resumes(
    app: App, pause_at: str
) -> None:
    d, worker = _paused(app, pause_at)
    try:
        app.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
        taken = run_next(
            app.uow, clock=app.clock, worker=WORKER, handlers=app.handlers, job_id=d.job_id
        )
        assert taken is not None and taken.status is JobStatus.SUCCEEDED, taken
        after = contents(app, "Test")
        version = get(app, d.id).result_version_id
    finally:
        said = _resume(worker)
    assert said == "done succeeded"  # as the worker that took over left it
    with app.uow() as uow:
        job = get_job(uow, d.job_id or 0)
    done = get(app, d.id)
    assert (job.status, done.status) == (JobStatus.SUCCEEDED, DeploymentStatus.SUCCEEDED)
    assert (job.attempts, done.result_version_id) == (2, version)
    assert contents(app, "Test") == after
    ended = [e.action for e in trail(app, "Test") if e.action.startswith("deployment.")]
    assert ended == ["deployment.requested", "deployment.succeeded"]
