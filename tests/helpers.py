"""Small helpers shared by the foundation tests: build families through the real services."""

from __future__ import annotations

from datetime import UTC, datetime

from changeway.bootstrap import App
from changeway.domain.audit import AuditEvent
from changeway.domain.connections import Authorization
from changeway.domain.jobs import Job, JobStatus
from changeway.domain.orgs import Org, OrgKind, OrgStatus
from changeway.domain.permissions import Actor, Entrypoint, Permission
from changeway.domain.users import User
from changeway.services import connections, orgs, sandboxes
from changeway.services.audit import list_audit
from changeway.services.jobs import run_next
from changeway.services.lookup import resolve_org
from changeway.services.users import actor_of

WORKER = "test-worker"
ACTOR = "alice"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def user(
    app: App,
    name: str = ACTOR,
    *,
    admin: bool = True,
    grants: dict[str, list[Permission]] | None = None,
    entrypoint: Entrypoint = Entrypoint.CLI,
) -> Actor:
    """The actor ``name``, created in the store when new (an administrator unless told
    otherwise), holding ``grants`` (org reference -> permissions) besides what it held."""
    if not grants:
        with app.uow(read_only=True) as uow:
            existing = uow.users.named(name)
            if existing is not None:
                return actor_of(uow, existing, entrypoint)
    with app.uow() as uow:
        found = uow.users.named(name) or uow.users.add(User(0, name, admin, app.clock.now()))
        for ref, permissions in (grants or {}).items():
            uow.users.grant(found.id, resolve_org(uow, ref).id, permissions)
        actor = actor_of(uow, found, entrypoint)
        uow.commit()
    return actor


def as_actor(app: App, who: str | Actor) -> Actor:
    """An actor given by name (an administrator of that name) or as is."""
    return who if isinstance(who, Actor) else user(app, who)


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


def make_production(app: App, name: str = "Prod", *, actor: str | Actor = ACTOR) -> Org:
    return orgs.create_production(app, actor=as_actor(app, actor), name=name)


def make_sandbox(
    app: App,
    name: str,
    kind: OrgKind = OrgKind.DEVELOPER,
    source: str = "Prod",
    *,
    actor: str | Actor = ACTOR,
) -> Org:
    """Create (or clone, when ``source`` is a sandbox) a sandbox and run its copy job."""
    _, job = sandboxes.create_sandbox(
        app, actor=as_actor(app, actor), name=name, kind=kind, source=source
    )
    done = run_job(app, job)
    assert done.status is JobStatus.SUCCEEDED, done.error
    return org(app, done.result["org_id"])


def request_refresh(app: App, ref: str, *, actor: str | Actor = ACTOR) -> tuple[Org, Job]:
    return sandboxes.refresh_sandbox(app, actor=as_actor(app, actor), ref=ref)


def refresh(app: App, ref: str, *, actor: str | Actor = ACTOR) -> Org:
    """Refresh a sandbox and run the copy: returns the copy, waiting for activation."""
    _, job = request_refresh(app, ref, actor=actor)
    done = run_job(app, job)
    assert done.status is JobStatus.SUCCEEDED, done.error
    return org(app, done.result["org_id"])


def activate(app: App, ref: str, *, actor: str | Actor = ACTOR) -> Org:
    return sandboxes.activate_sandbox(app, actor=as_actor(app, actor), ref=ref)


def discard(app: App, ref: str, *, actor: str | Actor = ACTOR) -> Org:
    return sandboxes.discard_refresh(app, actor=as_actor(app, actor), ref=ref)


def request_delete(app: App, ref: str, *, actor: str | Actor = ACTOR) -> tuple[Org, Job]:
    return sandboxes.delete_sandbox(app, actor=as_actor(app, actor), ref=ref)


def delete(app: App, ref: str, *, actor: str | Actor = ACTOR) -> Org:
    """Delete a sandbox and run the delete job to its end."""
    deleting, job = request_delete(app, ref, actor=actor)
    assert run_job(app, job).status is JobStatus.SUCCEEDED
    return org(app, deleting.id)


def allow(app: App, target: str, source: str, *, actor: str | Actor = ACTOR) -> Authorization:
    return connections.allow_inbound(app, actor=as_actor(app, actor), target=target, source=source)


def revoke(app: App, target: str, source: str, *, actor: str | Actor = ACTOR) -> Authorization:
    return connections.revoke_inbound(app, actor=as_actor(app, actor), target=target, source=source)


def org(app: App, ref: str) -> Org:
    """The org ``ref`` names now (an id, a name, or PRODUCTION/NAME)."""
    with app.uow() as uow:
        return resolve_org(uow, ref)


def connected_names(app: App, ref: str) -> dict[str, tuple[bool, bool]]:
    """``{other: (allows_inbound, accepts_outbound)}`` as `connection list` shows it."""
    conns = connections.list_connections(app, actor=user(app), org=ref)
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
    """The whole audit trail (of one org), as an administrator reads it, every page."""
    events: list[AuditEvent] = []
    cursor = None
    while True:
        page = list_audit(app, actor=user(app), org=org, cursor=cursor, limit=1000)
        events += page.items
        if (cursor := page.next_cursor) is None:
            return events


def actions(app: App, org: str | None = None) -> list[str]:
    return [e.action for e in trail(app, org)]


def snapshot(app: App) -> tuple[object, ...]:
    """Everything a refusal must leave untouched: orgs, authorizations, jobs, audit trail."""
    with app.uow() as uow:
        jobs = sorted((j.id, j.status) for j in uow.jobs.list(limit=10_000))
        grants = sorted((u.name, sorted(uow.users.grants(u.id).items())) for u in uow.users.all())
    return (all_orgs(app), sorted(authorizations(app)), jobs, grants, [e.id for e in trail(app)])


__all__ = [
    "ACTOR",
    "T0",
    "WORKER",
    "actions",
    "activate",
    "all_orgs",
    "allow",
    "as_actor",
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
    "user",
]
