"""Inbound change sets: list, show, delete; and finding one by name or id (docs/model.md,
"Change sets"). Deleting one needs deploy_change_sets in the receiving org."""

from __future__ import annotations

from dataclasses import dataclass

from changeway.domain.changesets import InboundChangeSet, InboundStatus
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor, Permission
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.paging import Page, page_of
from changeway.services.ports import UnitOfWork


@dataclass(frozen=True)
class Inbound:
    """An inbound change set with the names of the orgs it travelled between."""

    change_set: InboundChangeSet
    source: str
    target: str


def list_inbound(
    ctx: Context, *, actor: Actor, org: str, cursor: str | None = None, limit: int | None = None
) -> Page[Inbound]:
    """Change sets uploaded to ``org``, awaiting deployment or deployed, paged."""
    with ctx.uow(read_only=True) as uow:
        target = org_for(uow, actor, org)
        page = page_of(uow.change_sets.inbound_of([target.id]), cursor=cursor, limit=limit)
        names = {s: org_name(uow, s) for s in {i.source_org_id for i in page.items}}
    return Page(
        [Inbound(i, names[i.source_org_id], target.name) for i in page.items], page.next_cursor
    )


def find_inbound(uow: UnitOfWork, target: Org, ref: str) -> InboundChangeSet:
    """An inbound change set of ``target`` by its name, or by id when two share a name."""
    every = uow.change_sets.inbound_of([target.id], include_deleted=True)
    matches = [i for i in every if ref.isdigit() and i.id == int(ref)]
    matches = matches or [i for i in every if i.name == ref]
    live = [i for i in matches if i.status is not InboundStatus.DELETED]
    if not matches:
        raise NotFound(f"{target.name} has no inbound change set {ref!r}")
    if not live:
        raise Refused(f"inbound change set {ref!r} of {target.name} was deleted")
    if len(live) > 1:
        ids = ", ".join(str(i.id) for i in live)
        raise Refused(
            f"{target.name} has several inbound change sets named {ref!r}; use an id: {ids}"
        )
    return live[0]


def get_inbound(ctx: Context, *, actor: Actor, org: str, ref: str) -> Inbound:
    """One inbound change set of ``org``."""
    with ctx.uow(read_only=True) as uow:
        target = org_for(uow, actor, org)
        found = find_inbound(uow, target, ref)
        return Inbound(found, org_name(uow, found.source_org_id), target.name)


def delete_inbound(ctx: Context, *, actor: Actor, org: str, ref: str) -> InboundChangeSet:
    """Delete an inbound change set (refused while one of its deployments is under way)."""
    with ctx.uow() as uow:
        target = org_for(
            uow,
            actor,
            org,
            Permission.DEPLOY_CHANGE_SETS,
            action=f"delete inbound change sets of {org}",
        )
        inbound = find_inbound(uow, target, ref)
        running = in_flight(uow, inbound)
        if running:
            raise Refused(
                f"inbound change set {inbound.name!r} has deployment {running[0]} under way;"
                " cancel it or wait"
            )
        inbound.status = InboundStatus.DELETED
        uow.change_sets.save_inbound(inbound)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="inbound_change_set.deleted",
            org=target,
            change_set=inbound.name,
            inbound_id=inbound.id,
        )
        uow.commit()
    return inbound


def in_flight(uow: UnitOfWork, inbound: InboundChangeSet) -> list[int]:
    """Ids of this change set's validations or deployments that have not ended."""
    return [
        d.id
        for d in uow.deployments.of_inbound(inbound.id)
        if d.status
        in (DeploymentStatus.PENDING, DeploymentStatus.IN_PROGRESS, DeploymentStatus.CANCELING)
    ]


def org_name(uow: UnitOfWork, org_id: str) -> str:
    """The name of an org by id (its id when it is gone), for showing where a set came from."""
    org = uow.orgs.get(org_id)
    return org.name if org else org_id
