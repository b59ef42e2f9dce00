"""Recording to and reading the append-only audit trail (docs/model.md, "Audit").

Entries are only ever appended: no service changes or deletes one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from changeway.domain.audit import AuditEvent, AuditFilter, Stamp
from changeway.domain.errors import NotFound
from changeway.domain.jobs import Job
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.paging import Page, keyset_page
from changeway.services.ports import UnitOfWork


def record(
    uow: UnitOfWork,
    *,
    at: datetime,
    actor: Actor | Stamp,
    action: str,
    org: Org | None,
    **details: Any,
) -> None:
    """Append one event in the caller's transaction, so it commits with the change it describes."""
    stamp = actor.stamp if isinstance(actor, Actor) else actor
    uow.audit.append(
        AuditEvent(
            actor=stamp.label,
            action=action,
            org_id=org.id if org else None,
            org_name=org.name if org else None,
            details=details,
            user=stamp.user,
            by=stamp.by,
            entrypoint=stamp.entrypoint,
        ),
        at=at,
    )


def job_stamp(job: Job) -> Stamp:
    """Who asked for a job (jobs queued before users existed name only the actor)."""
    return job.origin or Stamp(user=job.actor, entrypoint="cli")


def list_audit(
    ctx: Context,
    *,
    actor: Actor,
    org: str | None = None,
    user: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[AuditEvent]:
    """The trail, oldest first, filtered and paged.

    With ``org``, the events of every identity that org has had (a refresh gives a new id).
    Users who are not administrators see only the events of orgs where they hold view_setup.
    """
    with ctx.uow(read_only=True) as uow:
        ids = _org_ids(uow, actor, org)
        where = AuditFilter(org_ids=ids, user=user, action=action, since=since, until=until)
        return keyset_page(
            lambda after, n: uow.audit.list(where, after=after, limit=n),
            lambda e: e.id or 0,
            cursor=cursor,
            limit=limit,
        )


def _org_ids(uow: UnitOfWork, actor: Actor, org: str | None) -> frozenset[str] | None:
    """The org ids an audit query covers (None: every entry, for administrators)."""
    if org is None:
        if actor.is_admin:
            return None
        every = uow.orgs.all(include_gone=True)
        visible = [o for o in every if actor.can_see(o)]
        ids = {o.id for o in visible}
        for o in visible:
            ids.update(_earlier_identities(uow, o))
        return frozenset(ids)
    try:
        target = org_for(uow, actor, org)
        ids = {target.id, *_earlier_identities(uow, target)}
    except NotFound:
        gone = [o for o in uow.orgs.all(include_gone=True) if o.name.lower() == org.lower()]
        if not gone or not actor.is_admin:
            raise
        ids = {o.id for o in gone}
    return frozenset(ids)


def _earlier_identities(uow: UnitOfWork, org: Org) -> set[str]:
    """Ids the org had before refreshes replaced them (a refresh gives a new id)."""
    family = {o.id: o for o in uow.orgs.family(org.production_id)}
    ids: set[str] = set()
    current = org
    while current.replaces_id and current.replaces_id in family:
        ids.add(current.replaces_id)
        current = family[current.replaces_id]
    return ids
