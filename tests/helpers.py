"""Small helpers shared by the foundation tests: build families through the real services."""

from __future__ import annotations

from datetime import UTC, datetime

from changeway.bootstrap import App
from changeway.domain.audit import AuditEvent
from changeway.domain.connections import Authorization
from changeway.domain.jobs import Job, JobStatus
from changeway.domain.orgs import Org, OrgKind, OrgStatus
from changeway.services import connections, orgs, sandboxes
from changeway.services.audit import list_audit
from changeway.services.jobs import run_next
from changeway.services.lookup import resolve_org

WORKER = "test-worker"
ACTOR = "alice"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def run_jobs(app: App) -> list[Job]:
    """Run every claimable job to its end, as one worker would; return them in order."""
    done: list[Job] = []
    while (
        job := run_next(app.uow, clock=app.clock, worker=WORKER, handlers=app.handlers)
    ) is not None:
        done.append(job)
    return done


def run_job(app: App, job: Job) -> Job:
    """Run one job (it must be claimable) and return it in its final state."""
    ran = run_next(app.uow, clock=app.clock, worker=WORKER, handlers=app.handlers, job_id=job.id)
    assert ran is not None, f"job {job.id} could not be claimed"
    return ran


def make_production(app: App, name: str = "Prod", *, actor: str = ACTOR) -> Org:
    with app.uow() as uow:
        return orgs.create_production(uow, clock=app.clock, actor=actor, name=name)


def make_sandbox(
    app: App,
    name: str,
    kind: OrgKind = OrgKind.DEVELOPER,
    source: str = "Prod",
    *,
    actor: str = ACTOR,
) -> Org:
    """Create (or clone, when ``source`` is a sandbox) a sandbox and run its copy job."""
    with app.uow() as uow:
        _, job = sandboxes.create_sandbox(
            uow, clock=app.clock, actor=actor, name=name, kind=kind, source=source
        )
    done = run_job(app, job)
    assert done.status is JobStatus.SUCCEEDED, done.error
    return org(app, done.result["org_id"])


def request_refresh(app: App, ref: str, *, actor: str = ACTOR) -> tuple[Org, Job]:
    with app.uow() as uow:
        return sandboxes.refresh_sandbox(uow, clock=app.clock, actor=actor, ref=ref)


def refresh(app: App, ref: str, *, actor: str = ACTOR) -> Org:
    """Refresh a sandbox and run the copy: returns the copy, waiting for activation."""
    _, job = request_refresh(app, ref, actor=actor)
    done = run_job(app, job)
    assert done.status is JobStatus.SUCCEEDED, done.error
    return org(app, done.result["org_id"])


def activate(app: App, ref: str, *, actor: str = ACTOR) -> Org:
    with app.uow() as uow:
        return sandboxes.activate_sandbox(uow, clock=app.clock, actor=actor, ref=ref)


def discard(app: App, ref: str, *, actor: str = ACTOR) -> Org:
    with app.uow() as uow:
        return sandboxes.discard_refresh(uow, clock=app.clock, actor=actor, ref=ref)


def request_delete(app: App, ref: str, *, actor: str = ACTOR) -> tuple[Org, Job]:
    with app.uow() as uow:
        return sandboxes.delete_sandbox(uow, clock=app.clock, actor=actor, ref=ref)


def delete(app: App, ref: str, *, actor: str = ACTOR) -> Org:
    """Delete a sandbox and run the delete job to its end."""
    deleting, job = request_delete(app, ref, actor=actor)
    assert run_job(app, job).status is JobStatus.SUCCEEDED
    return org(app, deleting.id)


def allow(app: App, target: str, source: str, *, actor: str = ACTOR) -> Authorization:
    with app.uow() as uow:
        return connections.allow_inbound(
            uow, clock=app.clock, actor=actor, target=target, source=source
        )


def revoke(app: App, target: str, source: str, *, actor: str = ACTOR) -> Authorization:
    with app.uow() as uow:
        return connections.revoke_inbound(
            uow, clock=app.clock, actor=actor, target=target, source=source
        )


def org(app: App, ref: str) -> Org:
    """The org ``ref`` names now (an id, a name, or PRODUCTION/NAME)."""
    with app.uow() as uow:
        return resolve_org(uow, ref)


def connected_names(app: App, ref: str) -> dict[str, tuple[bool, bool]]:
    """``{other: (allows_inbound, accepts_outbound)}`` as `connection list` shows it."""
    with app.uow() as uow:
        conns = connections.list_connections(uow, org=ref)
    return {c.other.name: (c.allows_inbound, c.accepts_outbound) for c in conns}


def authorizations(app: App) -> set[Authorization]:
    with app.uow() as uow:
        ids = [o.id for o in uow.orgs.all(include_gone=True)]
        return set(uow.authorizations.for_orgs(ids))


def all_orgs(app: App) -> list[tuple[str, str, OrgStatus]]:
    """Every org ever stored, as (id, name, status): a snapshot to compare before and after."""
    with app.uow() as uow:
        return sorted((o.id, o.name, o.status) for o in uow.orgs.all(include_gone=True))


def trail(app: App, org: str | None = None) -> list[AuditEvent]:
    with app.uow() as uow:
        return list_audit(uow, org=org)


def actions(app: App, org: str | None = None) -> list[str]:
    return [e.action for e in trail(app, org)]


def snapshot(app: App) -> tuple[object, ...]:
    """Everything a refusal must leave untouched: orgs, authorizations, jobs, audit trail."""
    with app.uow() as uow:
        jobs = sorted((j.id, j.status) for j in uow.jobs.list(limit=10_000))
    return (all_orgs(app), sorted(authorizations(app)), jobs, [e.id for e in trail(app)])


__all__ = [
    "ACTOR",
    "T0",
    "WORKER",
    "actions",
    "activate",
    "all_orgs",
    "allow",
    "authorizations",
    "connected_names",
    "delete",
    "discard",
    "make_production",
    "make_sandbox",
    "org",
    "refresh",
    "request_delete",
    "request_refresh",
    "revoke",
    "run_job",
    "run_jobs",
    "snapshot",
    "trail",
]
