"""Sandbox lifecycle: create, clone, refresh, activate, discard, delete (docs/model.md,
"Orgs and families").

Create, clone, refresh and delete ask for a job in the same transaction as the state change;
the job handlers below do the long part. Activate and discard are quick pointer changes.
Managing a sandbox needs manage_sandboxes (any type) or manage_dev_sandboxes (developer and
developer_pro) in its production org.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from changeway.domain.audit import Stamp
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
from changeway.domain.permissions import Actor, sandbox_permission
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import job_stamp, record
from changeway.services.context import Context
from changeway.services.jobs import JobContext, enqueue
from changeway.services.lookup import org_for, refresh_copy_of
from changeway.services.ports import UnitOfWork
from changeway.services.versions import commit_version, head_version

COPY_JOB = "sandbox.copy"
DELETE_JOB = "sandbox.delete"


def create_sandbox(
    ctx: Context, *, actor: Actor, name: str, kind: OrgKind, source: str
) -> tuple[Org, Job]:
    """Create a sandbox copied from production, or clone one when ``source`` is a sandbox.

    The new sandbox receives the grants of the org it is copied from.
    """
    with ctx.uow() as uow:
        origin = org_for(uow, actor, source)
        production = _production(uow, origin)
        _require_manage(actor, production, kind, f"create {kind.value} sandboxes")
        family = uow.orgs.family(production.id, lock=True)
        now = ctx.clock.now()
        sandbox = plan_new_sandbox(
            name=name, kind=kind, production=production, source=origin, family=family, now=now
        )
        uow.orgs.add(sandbox)
        uow.users.copy_grants(origin.id, sandbox.id)
        job = _copy_job(uow, ctx, actor=actor, org=sandbox, from_id=origin.id)
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


def refresh_sandbox(ctx: Context, *, actor: Actor, ref: str) -> tuple[Org, Job]:
    """Start a refresh: a new copy (new id) that waits for activation once copied."""
    with ctx.uow() as uow:
        sandbox = org_for(uow, actor, ref)
        production = _production(uow, sandbox)
        _require_manage(actor, production, sandbox.kind, f"refresh {sandbox.name}")
        family = uow.orgs.family(production.id, lock=True)
        now = ctx.clock.now()
        copy = plan_refresh(sandbox=sandbox, production=production, family=family, now=now)
        from_id = refresh_source(sandbox, family)
        uow.orgs.add(copy)
        job = _copy_job(uow, ctx, actor=actor, org=copy, from_id=from_id)
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


def activate_sandbox(ctx: Context, *, actor: Actor, ref: str) -> Org:
    """Replace a sandbox by its refreshed copy; authorizations of the old identity go, its
    users' grants move to the new identity."""
    with ctx.uow() as uow:
        sandbox = org_for(uow, actor, ref)
        _require_manage(actor, _production(uow, sandbox), sandbox.kind, f"activate {sandbox.name}")
        family = uow.orgs.family(sandbox.production_id, lock=True)
        copy = require_pending_activation(refresh_copy_of(uow, sandbox), sandbox, "activate")
        now = ctx.clock.now()
        active = replace(copy, status=OrgStatus.ACTIVE)
        uow.orgs.save(replace(sandbox, status=OrgStatus.REPLACED))
        uow.orgs.save(active)
        uow.users.move_grants(sandbox.id, active.id)
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


def discard_refresh(ctx: Context, *, actor: Actor, ref: str) -> Org:
    """Throw away a refreshed copy; the sandbox stays as it was."""
    with ctx.uow() as uow:
        sandbox = org_for(uow, actor, ref)
        _require_manage(actor, _production(uow, sandbox), sandbox.kind, f"discard {sandbox.name}")
        uow.orgs.family(sandbox.production_id, lock=True)
        copy = require_pending_activation(refresh_copy_of(uow, sandbox), sandbox, "discard")
        uow.orgs.save(replace(copy, status=OrgStatus.DISCARDED))
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="sandbox.refresh_discarded",
            org=sandbox,
            discarded_id=copy.id,
        )
        uow.commit()
    return sandbox


def delete_sandbox(ctx: Context, *, actor: Actor, ref: str) -> tuple[Org, Job]:
    """Start deleting a sandbox: its connections and authorizations go at once."""
    with ctx.uow() as uow:
        sandbox = org_for(uow, actor, ref)
        sandbox.require_sandbox("delete")
        _require_manage(actor, _production(uow, sandbox), sandbox.kind, f"delete {sandbox.name}")
        family = uow.orgs.family(sandbox.production_id, lock=True)
        sandbox.require_active("delete")
        now = ctx.clock.now()
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
            clock=ctx.clock,
            queue_key=f"org:{sandbox.id}",
        )
        record(uow, at=now, actor=actor, action="sandbox.delete_requested", org=sandbox, job=job.id)
        uow.commit()
    return deleting, job


def _require_manage(actor: Actor, production: Org, kind: OrgKind, action: str) -> None:
    """Managing sandboxes of ``kind`` needs the matching permission in their production org."""
    actor.require_any(sandbox_permission(kind), production, action=action)


class CopySandbox:
    """Job: give a new sandbox (or refreshed copy) its source's metadata, then make it usable."""

    def run(self, ctx: JobContext) -> dict[str, Any]:
        org_id, from_id = ctx.job.payload["org_id"], ctx.job.payload["from_id"]
        with ctx.fenced() as uow:
            org = _get(uow, org_id)
            if org.status in GONE:
                raise Refused(f"{org.name} was {org.status.value} before it was copied")
            if org.status is OrgStatus.PENDING:
                uow.orgs.save(replace(org, status=OrgStatus.PROCESSING))
                uow.commit()
        ctx.progress(0.1, "copying metadata")
        with ctx.fenced() as uow:
            org = _get(uow, org_id)
            if org.status is not OrgStatus.PROCESSING:  # finished by an earlier attempt
                return {"org_id": org.id, "status": org.status.value}
            source = _get(uow, from_id)
            if not source.is_active:
                raise Refused(f"the source org {source.name} is {source.status.value}")
            now = ctx.clock.now()
            done = OrgStatus.PENDING_ACTIVATION if org.replaces_id else OrgStatus.ACTIVE
            version = _copy_metadata(uow, org=org, source=source, author=ctx.job.actor, at=now)
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
                actor=job_stamp(ctx.job),
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
            actor=job_stamp(job),
            action="sandbox.copy_failed",
            org=org,
            error=error,
        )


class DeleteSandbox:
    """Job: finish deleting a sandbox (its name is free again afterwards)."""

    def run(self, ctx: JobContext) -> dict[str, Any]:
        with ctx.fenced() as uow:
            org = _get(uow, ctx.job.payload["org_id"])
            if org.status is OrgStatus.DELETING:
                org = replace(org, status=OrgStatus.DELETED)
                uow.orgs.save(org)
                record(
                    uow,
                    at=ctx.clock.now(),
                    actor=job_stamp(ctx.job),
                    action="sandbox.deleted",
                    org=org,
                )
                uow.commit()
        return {"org_id": org.id, "status": org.status.value}

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """A failed delete keeps the sandbox in ``deleting``: it is retried by deleting again."""


def _copy_metadata(uow: UnitOfWork, *, org: Org, source: Org, author: str, at: Any) -> OrgVersion:
    """The copy's first version shares the source's tree: one row, whatever the org's size."""
    origin = head_version(uow, source)
    return commit_version(
        uow,
        org=org,
        root=origin.root,
        kind=VersionKind.COPY,
        author=author,
        reason=f"copy of {source.name}@{origin.number}",
        at=at,
        parent_id=origin.id,
    )


def _copy_job(uow: UnitOfWork, ctx: Context, *, actor: Actor, org: Org, from_id: str) -> Job:
    return enqueue(
        uow,
        kind=COPY_JOB,
        actor=actor,
        org_id=org.id,
        payload={"org_id": org.id, "from_id": from_id},
        clock=ctx.clock,
        queue_key=f"org:{org.id}",
    )


def _drop_authorizations(
    uow: UnitOfWork, org: Org, family: list[Org], *, at: Any, actor: Actor | Stamp, reason: str
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
