"""Sandbox lifecycle: create, clone, refresh, activate, discard, delete (SPEC §1).

Create, clone, refresh and delete ask for a job in the same transaction as the state change;
the job handlers below do the long part. Activate and discard are quick pointer changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from changeway.domain.clock import Clock
from changeway.domain.connections import stale_authorizations
from changeway.domain.errors import NotFound, Refused
from changeway.domain.jobs import Job
from changeway.domain.orgs import (
    GONE,
    Org,
    OrgKind,
    OrgStatus,
    plan_new_sandbox,
    plan_refresh,
    refresh_source,
    require_pending_activation,
)
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import record
from changeway.services.jobs import JobContext, enqueue
from changeway.services.lookup import refresh_copy_of, resolve_org
from changeway.services.ports import UnitOfWork
from changeway.services.versions import commit_version, head_version

COPY_JOB = "sandbox.copy"
DELETE_JOB = "sandbox.delete"


def create_sandbox(
    uow: UnitOfWork, *, clock: Clock, actor: str, name: str, kind: OrgKind, source: str
) -> tuple[Org, Job]:
    """Create a sandbox copied from production, or clone one when ``source`` is a sandbox."""
    origin = resolve_org(uow, source)
    production = _production(uow, origin)
    family = uow.orgs.family(production.id, lock=True)
    now = clock.now()
    sandbox = plan_new_sandbox(
        name=name, kind=kind, production=production, source=origin, family=family, now=now
    )
    uow.orgs.add(sandbox)
    job = _copy_job(uow, clock=clock, actor=actor, org=sandbox, from_id=origin.id)
    action = "sandbox.create_requested" if origin.is_production else "sandbox.clone_requested"
    record(
        uow,
        at=now,
        actor=actor,
        action=action,
        org=sandbox,
        kind=kind.value,
        source=origin.name,
        job=job.id,
    )
    uow.commit()
    return sandbox, job


def refresh_sandbox(uow: UnitOfWork, *, clock: Clock, actor: str, ref: str) -> tuple[Org, Job]:
    """Start a refresh: a new copy (new id) that waits for activation once copied."""
    sandbox = resolve_org(uow, ref)
    production = _production(uow, sandbox)
    family = uow.orgs.family(production.id, lock=True)
    now = clock.now()
    copy = plan_refresh(sandbox=sandbox, production=production, family=family, now=now)
    from_id = refresh_source(sandbox, family)
    uow.orgs.add(copy)
    job = _copy_job(uow, clock=clock, actor=actor, org=copy, from_id=from_id)
    record(
        uow,
        at=now,
        actor=actor,
        action="sandbox.refresh_requested",
        org=sandbox,
        new_id=copy.id,
        source=_name(family, from_id),
        job=job.id,
    )
    uow.commit()
    return copy, job


def activate_sandbox(uow: UnitOfWork, *, clock: Clock, actor: str, ref: str) -> Org:
    """Replace a sandbox by its refreshed copy; authorizations of the old identity go."""
    sandbox = resolve_org(uow, ref)
    family = uow.orgs.family(sandbox.production_id, lock=True)
    copy = require_pending_activation(refresh_copy_of(uow, sandbox), sandbox, "activate")
    now = clock.now()
    active = replace(copy, status=OrgStatus.ACTIVE)
    uow.orgs.save(replace(sandbox, status=OrgStatus.REPLACED))
    uow.orgs.save(active)
    for clone in family:
        if clone.source_id == sandbox.id:
            uow.orgs.save(replace(clone, source_id=active.id))
    _drop_authorizations(uow, sandbox, family, at=now, actor=actor, reason="refreshed")
    record(
        uow,
        at=now,
        actor=actor,
        action="sandbox.activated",
        org=active,
        old_id=sandbox.id,
        new_id=active.id,
    )
    uow.commit()
    return active


def discard_refresh(uow: UnitOfWork, *, clock: Clock, actor: str, ref: str) -> Org:
    """Throw away a refreshed copy; the sandbox stays as it was."""
    sandbox = resolve_org(uow, ref)
    uow.orgs.family(sandbox.production_id, lock=True)
    copy = require_pending_activation(refresh_copy_of(uow, sandbox), sandbox, "discard")
    uow.orgs.save(replace(copy, status=OrgStatus.DISCARDED))
    record(
        uow,
        at=clock.now(),
        actor=actor,
        action="sandbox.refresh_discarded",
        org=sandbox,
        discarded_id=copy.id,
    )
    uow.commit()
    return sandbox


def delete_sandbox(uow: UnitOfWork, *, clock: Clock, actor: str, ref: str) -> tuple[Org, Job]:
    """Start deleting a sandbox: its connections and authorizations go at once."""
    sandbox = resolve_org(uow, ref)
    sandbox.require_sandbox("delete")
    family = uow.orgs.family(sandbox.production_id, lock=True)
    sandbox.require_active("delete")
    now = clock.now()
    deleting = replace(sandbox, status=OrgStatus.DELETING)
    uow.orgs.save(deleting)
    for copy in family:
        if copy.replaces_id == sandbox.id and copy.status not in GONE:
            uow.orgs.save(replace(copy, status=OrgStatus.DISCARDED))
    _drop_authorizations(uow, sandbox, family, at=now, actor=actor, reason="deleted")
    job = enqueue(
        uow,
        kind=DELETE_JOB,
        actor=actor,
        org_id=sandbox.id,
        payload={"org_id": sandbox.id},
        clock=clock,
        queue_key=f"org:{sandbox.id}",
    )
    record(uow, at=now, actor=actor, action="sandbox.delete_requested", org=sandbox, job=job.id)
    uow.commit()
    return deleting, job


class CopySandbox:
    """Job: give a new sandbox (or refreshed copy) its source's metadata, then make it usable."""

    def run(self, ctx: JobContext) -> dict[str, Any]:
        org_id, from_id = ctx.job.payload["org_id"], ctx.job.payload["from_id"]
        with ctx.uow_factory() as uow:
            org = _get(uow, org_id)
            if org.status in GONE:
                raise Refused(f"{org.name} was {org.status.value} before it was copied")
            if org.status is OrgStatus.PENDING:
                uow.orgs.save(replace(org, status=OrgStatus.PROCESSING))
                uow.commit()
        ctx.progress(0.1, "copying metadata")
        with ctx.uow_factory() as uow:
            org = _get(uow, org_id)
            if org.status is not OrgStatus.PROCESSING:  # finished by an earlier attempt
                return {"org_id": org.id, "status": org.status.value}
            source = _get(uow, from_id)
            if not source.is_active:
                raise Refused(f"the source org {source.name} is {source.status.value}")
            now = ctx.clock.now()
            done = OrgStatus.PENDING_ACTIVATION if org.replaces_id else OrgStatus.ACTIVE
            version = _copy_metadata(uow, org=org, source=source, actor=ctx.job.actor, at=now)
            copied = replace(
                org,
                status=done,
                copied_at=now,
                head_version_id=version.id,
                project=source.project,
            )
            uow.orgs.save(copied)
            record(
                uow,
                at=now,
                actor=ctx.job.actor,
                action="sandbox.copied",
                org=copied,
                source=source.name,
                status=done.value,
            )
            uow.commit()
        return {"org_id": copied.id, "status": copied.status.value}

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        org = uow.orgs.get(job.payload["org_id"])
        if org is None or org.status not in (OrgStatus.PENDING, OrgStatus.PROCESSING):
            return
        ended = OrgStatus.DISCARDED if org.replaces_id else OrgStatus.DELETED
        uow.orgs.save(replace(org, status=ended))
        record(
            uow,
            at=job.finished_at or job.created_at,
            actor=job.actor,
            action="sandbox.copy_failed",
            org=org,
            error=error,
        )


class DeleteSandbox:
    """Job: finish deleting a sandbox (its name is free again afterwards)."""

    def run(self, ctx: JobContext) -> dict[str, Any]:
        with ctx.uow_factory() as uow:
            org = _get(uow, ctx.job.payload["org_id"])
            if org.status is OrgStatus.DELETING:
                org = replace(org, status=OrgStatus.DELETED)
                uow.orgs.save(org)
                record(
                    uow, at=ctx.clock.now(), actor=ctx.job.actor, action="sandbox.deleted", org=org
                )
                uow.commit()
        return {"org_id": org.id, "status": org.status.value}

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """A failed delete keeps the sandbox in ``deleting``: it is retried by deleting again."""


def _copy_metadata(uow: UnitOfWork, *, org: Org, source: Org, actor: str, at: Any) -> OrgVersion:
    """The copy's first version shares the source's tree: one row, whatever the org's size."""
    origin = head_version(uow, source)
    return commit_version(
        uow,
        org=org,
        root=origin.root,
        kind=VersionKind.COPY,
        author=actor,
        reason=f"copy of {source.name}@{origin.number}",
        at=at,
        parent_id=origin.id,
    )


def _copy_job(uow: UnitOfWork, *, clock: Clock, actor: str, org: Org, from_id: str) -> Job:
    return enqueue(
        uow,
        kind=COPY_JOB,
        actor=actor,
        org_id=org.id,
        payload={"org_id": org.id, "from_id": from_id},
        clock=clock,
        queue_key=f"org:{org.id}",
    )


def _drop_authorizations(
    uow: UnitOfWork, org: Org, family: list[Org], *, at: Any, actor: str, reason: str
) -> None:
    """Remove every authorization involving ``org``'s identity, each recorded in the trail."""
    names = {o.id: o.name for o in family}
    for auth in stale_authorizations(org.id, uow.authorizations.for_orgs(names)):
        uow.authorizations.remove(auth)
        target = next(o for o in family if o.id == auth.target_id)
        record(
            uow,
            at=at,
            actor=actor,
            action="connection.authorization_removed",
            org=target,
            source=names.get(auth.source_id, auth.source_id),
            source_id=auth.source_id,
            target_id=auth.target_id,
            reason=f"{org.name} {reason}",
        )


def _production(uow: UnitOfWork, org: Org) -> Org:
    return _get(uow, org.production_id)


def _get(uow: UnitOfWork, org_id: str) -> Org:
    org = uow.orgs.get(org_id)
    if org is None:
        raise NotFound(f"no org with id {org_id}")
    return org


def _name(family: list[Org], org_id: str) -> str:
    return next((o.name for o in family if o.id == org_id), org_id)
