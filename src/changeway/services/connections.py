"""Deployment connections and inbound authorizations (SPEC §2)."""

from __future__ import annotations

from changeway.domain.clock import Clock
from changeway.domain.connections import (
    Authorization,
    Connection,
    PromotionPaths,
    connections_of,
    promotion_paths,
    require_connected,
)
from changeway.domain.errors import Refused
from changeway.services.audit import record
from changeway.services.lookup import resolve_org
from changeway.services.ports import UnitOfWork


def list_connections(uow: UnitOfWork, *, org: str) -> list[Connection]:
    """The org's connections, each with whether it allows inbound / accepts outbound."""
    target = resolve_org(uow, org)
    family = uow.orgs.family(target.production_id)
    return connections_of(target, family, uow.authorizations.for_orgs(o.id for o in family))


def allow_inbound(
    uow: UnitOfWork, *, clock: Clock, actor: str, target: str, source: str
) -> Authorization:
    """``target`` allows inbound changes from ``source`` (granted on the target only)."""
    to, frm = resolve_org(uow, target), resolve_org(uow, source)
    uow.orgs.family(to.production_id, lock=True)
    require_connected(frm, to)
    auth = Authorization(to.id, frm.id)
    if auth in uow.authorizations.for_orgs([to.id]):
        raise Refused(f"{to.name} already allows inbound changes from {frm.name}")
    now = clock.now()
    uow.authorizations.add(auth, by=actor, at=now)
    record(
        uow,
        at=now,
        actor=actor,
        action="connection.inbound_allowed",
        org=to,
        source=frm.name,
        source_id=frm.id,
    )
    uow.commit()
    return auth


def revoke_inbound(
    uow: UnitOfWork, *, clock: Clock, actor: str, target: str, source: str
) -> Authorization:
    """``target`` stops allowing inbound changes from ``source``."""
    to, frm = resolve_org(uow, target), resolve_org(uow, source)
    uow.orgs.family(to.production_id, lock=True)
    auth = Authorization(to.id, frm.id)
    if auth not in uow.authorizations.for_orgs([to.id]):
        raise Refused(
            f"{to.name} does not allow inbound changes from {frm.name}; nothing to revoke"
        )
    uow.authorizations.remove(auth)
    record(
        uow,
        at=clock.now(),
        actor=actor,
        action="connection.inbound_revoked",
        org=to,
        source=frm.name,
        source_id=frm.id,
    )
    uow.commit()
    return auth


def family_paths(uow: UnitOfWork, *, org: str) -> PromotionPaths:
    """The promotion paths of the family ``org`` belongs to."""
    member = resolve_org(uow, org)
    family = uow.orgs.family(member.production_id)
    return promotion_paths(family, uow.authorizations.for_orgs(o.id for o in family))
