"""Durable jobs: states, progress, lease and heartbeat, takeover, clean failure, ordering."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from changeway.bootstrap import App
from changeway.domain.errors import NotFound, Refused
from changeway.domain.jobs import LEASE, MAX_ATTEMPTS, Job, JobStatus
from changeway.domain.orgs import Org, OrgKind, OrgStatus
from changeway.services import sandboxes
from changeway.services.jobs import (
    JobContext,
    claim,
    enqueue,
    execute,
    get_job,
    run_next,
    wait_for,
)
from tests.helpers import (
    actions,
    make_production,
    make_sandbox,
    org,
    request_refresh,
    run_jobs,
    trail,
    user,
)

PAST_LEASE = LEASE + timedelta(seconds=1)


class Notes:
    """A test handler that records which jobs ran, in order; ``boom`` payloads raise."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.failed: list[tuple[int, str]] = []

    def run(self, ctx: JobContext) -> dict[str, Any]:
        if ctx.job.payload.get("boom"):
            raise RuntimeError("disk on fire")
        if ctx.job.payload.get("refuse"):
            raise Refused("not today")
        self.ran.append(ctx.job.payload["name"])
        return {"name": ctx.job.payload["name"]}

    def fail(self, uow: Any, job: Job, error: str) -> None:
        self.failed.append((job.id, error))


@pytest.fixture
def notes() -> Notes:
    return Notes()


def add_note(app: App, name: str, queue_key: str | None = None, **payload: Any) -> Job:
    actor = user(app)
    with app.uow() as uow:
        job = enqueue(
            uow,
            kind="test.note",
            actor=actor,
            org_id=None,
            payload={"name": name, **payload},
            clock=app.clock,
            queue_key=queue_key,
        )
        uow.commit()
    return job


def job(app: App, job_id: int) -> Job:
    with app.uow() as uow:
        return get_job(uow, job_id)


def claim_as(app: App, worker: str, handlers: Any = None) -> Job | None:
    return claim(app.uow, clock=app.clock, worker=worker, handlers=handlers or app.handlers)


def claimed_id(app: App, worker: str, handlers: Any) -> int | None:
    claimed = claim_as(app, worker, handlers)
    return claimed.id if claimed else None


def queue_sandbox(app: App, name: str = "Dev") -> Job:
    _, queued = sandboxes.create_sandbox(
        app, actor=user(app, "alice"), name=name, kind=OrgKind.DEVELOPER, source="Prod"
    )
    return queued


@pytest.fixture
def prod(app: App) -> Org:
    return make_production(app, "Prod")


def test_a_queued_job_is_pending_with_its_actor_and_org(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    stored = job(app, queued.id)
    assert (stored.status, stored.kind, stored.actor) == (
        JobStatus.PENDING,
        "sandbox.copy",
        "alice",
    )
    assert stored.org_id == org(app, "Dev").id
    assert (stored.progress, stored.attempts, stored.lease_owner) == (0.0, 0, None)


def test_a_claimed_job_is_in_progress_under_a_lease(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    claimed = claim_as(app, "w1")
    assert claimed is not None and claimed.id == queued.id
    stored = job(app, queued.id)
    assert (stored.status, stored.lease_owner, stored.attempts) == (JobStatus.IN_PROGRESS, "w1", 1)
    assert stored.lease_expires_at == app.clock.now() + LEASE
    assert stored.started_at == app.clock.now()


def test_a_finished_job_has_succeeded_with_full_progress_and_its_result(
    app: App, prod: Org
) -> None:
    queued = queue_sandbox(app)
    app.clock.advance(seconds=3)
    assert len(run_jobs(app)) == 1
    stored = job(app, queued.id)
    assert stored.status is JobStatus.SUCCEEDED and stored.status.is_final
    assert (stored.progress, stored.message, stored.error) == (1.0, "done", None)
    assert stored.result == {"org_id": org(app, "Dev").id, "status": "active"}
    assert stored.finished_at == app.clock.now()
    assert stored.lease_owner is None and stored.lease_expires_at is None


def test_progress_is_reported_while_the_job_runs(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    seen: list[tuple[float, str]] = []
    run_next(
        app.uow,
        clock=app.clock,
        worker="w1",
        handlers=app.handlers,
        listener=lambda j: seen.append((j.progress, j.message)),
    )
    assert seen[0] == (0.1, "copying metadata")
    assert seen[-1] == (1.0, "done")
    assert job(app, queued.id).status is JobStatus.SUCCEEDED


def test_heartbeat_renews_the_lease_and_keeps_other_workers_away(app: App, prod: Org) -> None:
    queue_sandbox(app)
    claimed = claim_as(app, "w1")
    assert claimed is not None
    app.clock.advance(seconds=20)
    JobContext(job=claimed, uow_factory=app.uow, clock=app.clock, worker="w1").progress(0.5, "half")
    app.clock.advance(seconds=20)  # 40 s after the claim, 20 s after the heartbeat
    assert claim_as(app, "w2") is None
    stored = job(app, claimed.id)
    assert (stored.progress, stored.message, stored.lease_owner) == (0.5, "half", "w1")


def test_keep_alive_renews_the_lease_while_a_long_step_runs(app: App, prod: Org) -> None:
    queue_sandbox(app)
    claimed = claim_as(app, "w1")
    assert claimed is not None
    ctx = JobContext(job=claimed, uow_factory=app.uow, clock=app.clock, worker="w1")
    with ctx.keep_alive(every=0.01):
        app.clock.advance(seconds=100)  # far past the first lease, while the step runs
        deadline = time.monotonic() + 10
        while job(app, claimed.id).lease_expires_at != app.clock.now() + LEASE:
            assert time.monotonic() < deadline, "the lease was never renewed"
            time.sleep(0.01)
    assert claim_as(app, "w2") is None


def test_a_job_within_its_lease_is_not_taken_over(app: App, prod: Org) -> None:
    queue_sandbox(app)
    claim_as(app, "w1")
    app.clock.advance(seconds=LEASE.total_seconds())
    assert claim_as(app, "w2") is None


def test_a_job_whose_worker_died_is_taken_over_and_finished(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    claim_as(app, "w1")  # w1 dies without running it
    app.clock.advance(seconds=PAST_LEASE.total_seconds())
    resumed = claim_as(app, "w2")
    assert resumed is not None and resumed.id == queued.id
    assert (resumed.attempts, resumed.lease_owner) == (2, "w2")
    assert resumed.message == "resumed (attempt 2)"
    done = execute(
        resumed, uow_factory=app.uow, clock=app.clock, worker="w2", handlers=app.handlers
    )
    assert done.status is JobStatus.SUCCEEDED
    assert org(app, "Dev").status is OrgStatus.ACTIVE


def test_a_takeover_after_the_work_was_done_does_not_redo_it(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    claimed = claim_as(app, "w1")
    assert claimed is not None
    sandboxes.CopySandbox().run(
        JobContext(job=claimed, uow_factory=app.uow, clock=app.clock, worker="w1")
    )  # w1 copied the sandbox, then died before recording the job's end
    app.clock.advance(seconds=PAST_LEASE.total_seconds())
    [done] = run_jobs(app)
    assert done.id == queued.id and done.status is JobStatus.SUCCEEDED
    assert actions(app, "Dev").count("sandbox.copied") == 1


def test_a_job_abandoned_max_attempts_times_is_failed_cleanly(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    for _ in range(MAX_ATTEMPTS):
        assert claim_as(app, "dying") is not None
        app.clock.advance(seconds=PAST_LEASE.total_seconds())
    assert claim_as(app, "w2") is None
    stored = job(app, queued.id)
    assert stored.status is JobStatus.FAILED
    assert stored.error == f"abandoned after {MAX_ATTEMPTS} attempts by lost workers"
    assert stored.lease_owner is None and stored.finished_at == app.clock.now()
    assert run_jobs(app) == []  # nothing stays claimable: never stuck


def test_a_sandbox_whose_copy_was_abandoned_is_deleted_and_its_name_free(
    app: App, prod: Org
) -> None:
    queued = queue_sandbox(app)
    for _ in range(MAX_ATTEMPTS + 1):
        claim_as(app, "dying")
        app.clock.advance(seconds=PAST_LEASE.total_seconds())
    assert org(app, queued.org_id or "").status is OrgStatus.DELETED
    failed = [e for e in trail(app) if e.action == "sandbox.copy_failed"]
    assert [e.org_name for e in failed] == ["Dev"]
    assert "abandoned" in failed[0].details["error"]
    assert make_sandbox(app, "Dev").status is OrgStatus.ACTIVE


def test_a_refresh_whose_copy_was_abandoned_is_discarded_and_the_sandbox_kept(
    app: App, prod: Org
) -> None:
    dev = make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    copy, _ = request_refresh(app, "Dev")
    for _ in range(MAX_ATTEMPTS + 1):
        claim_as(app, "dying")
        app.clock.advance(seconds=PAST_LEASE.total_seconds())
    assert org(app, copy.id).status is OrgStatus.DISCARDED
    assert org(app, "Dev").id == dev.id and org(app, "Dev").status is OrgStatus.ACTIVE
    retry, _ = request_refresh(app, "Dev")  # the failed refresh does not block a new one
    assert retry.id not in (dev.id, copy.id)


def test_an_unexpected_error_fails_the_job_through_its_handler(app: App, notes: Notes) -> None:
    queued = add_note(app, "x", boom=True)
    done = run_next(app.uow, clock=app.clock, worker="w", handlers={"test.note": notes})
    assert done is not None and done.status is JobStatus.FAILED
    assert done.error == "internal error: RuntimeError('disk on fire')"
    assert notes.failed == [(queued.id, done.error)]
    assert job(app, queued.id).status is JobStatus.FAILED


def test_a_refusal_inside_a_job_fails_it_with_the_refusal_message(app: App, notes: Notes) -> None:
    add_note(app, "x", refuse=True)
    done = run_next(app.uow, clock=app.clock, worker="w", handlers={"test.note": notes})
    assert done is not None and (done.status, done.error) == (JobStatus.FAILED, "not today")


def test_jobs_with_the_same_queue_key_run_one_at_a_time(app: App, notes: Notes) -> None:
    handlers = {"test.note": notes}
    first = add_note(app, "first", "org:A")
    second = add_note(app, "second", "org:A")
    other = add_note(app, "other", "org:B")
    assert claimed_id(app, "w1", handlers) == first.id
    assert claimed_id(app, "w2", handlers) == other.id
    assert claim_as(app, "w3", handlers) is None  # second waits for first
    execute(
        job(app, first.id), uow_factory=app.uow, clock=app.clock, worker="w1", handlers=handlers
    )
    assert claimed_id(app, "w3", handlers) == second.id


def test_jobs_with_the_same_queue_key_run_in_the_order_they_were_queued(
    app: App, notes: Notes
) -> None:
    for name in ("a", "b", "c", "d"):
        add_note(app, name, "org:A")
    add_note(app, "free", None)
    handlers = {"test.note": notes}
    while run_next(app.uow, clock=app.clock, worker="w", handlers=handlers):
        pass
    assert notes.ran == ["a", "b", "c", "d", "free"]


def test_a_failed_job_does_not_block_the_next_one_in_its_queue(app: App, notes: Notes) -> None:
    add_note(app, "bad", "org:A", boom=True)
    add_note(app, "good", "org:A")
    handlers = {"test.note": notes}
    while run_next(app.uow, clock=app.clock, worker="w", handlers=handlers):
        pass
    assert notes.ran == ["good"]


def test_waiting_for_a_job_runs_it_here_when_no_worker_has_it(app: App, prod: Org) -> None:
    queued = queue_sandbox(app)
    done = wait_for(
        queued.id, uow_factory=app.uow, clock=app.clock, worker="cli", handlers=app.handlers
    )
    assert done.status is JobStatus.SUCCEEDED
    assert org(app, "Dev").status is OrgStatus.ACTIVE


def test_an_unknown_job_is_not_found(app: App) -> None:
    with pytest.raises(NotFound, match="no job 999"), app.uow() as uow:
        get_job(uow, 999)
