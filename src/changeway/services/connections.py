"""Deployment connections and inbound authorizations (docs/model.md, "Connections and
authorization"). Only users who may deploy change sets into an org change what it accepts."""

from __future__ import annotations

from changeway.domain.connections import (
    Authorization,
    Connection,
    PromotionPaths,
    connections_of,
    promotion_paths,
    require_connected,
)
from changeway.domain.errors import Refused
from changeway.domain.permissions import Actor, Permission
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.lookup import org_for, resolve_org


def list_connections(ctx: Context, *, actor: Actor, org: str) -> list[Connection]:
    """The org's connections, each with whether it allows inbound / accepts outbound."""
    with ctx.uow(read_only=True) as uow:
        target = org_for(uow, actor, org)
        family = uow.orgs.family(target.production_id)
        auths = uow.authorizations.for_orgs(o.id for o in family)
    return connections_of(target, family, auths)


def allow_inbound(ctx: Context, *, actor: Actor, target: str, source: str) -> Authorization:
    """``target`` allows inbound changes from ``source`` (granted on the target only)."""
    with ctx.uow() as uow:
        to = org_for(
            uow,
            actor,
            target,
            Permission.DEPLOY_CHANGE_SETS,
            action=f"change the inbound authorizations of {target}",
        )
        frm = resolve_org(uow, source)
        uow.orgs.family(to.production_id, lock=True)
        require_connected(frm, to)
        auth = Authorization(to.id, frm.id)
        if auth in uow.authorizations.for_orgs([to.id]):
            raise Refused(f"{to.name} already allows inbound changes from {frm.name}")
        now = ctx.clock.now()
        uow.authorizations.add(auth, by=actor.label, at=now)
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


def revoke_inbound(ctx: Context, *, actor: Actor, target: str, source: str) -> Authorization:
    """``target`` stops allowing inbound changes from ``source``."""
    with ctx.uow() as uow:
        to = org_for(
            uow,
            actor,
            target,
            Permission.DEPLOY_CHANGE_SETS,
            action=f"change the inbound authorizations of {target}",
        )
        frm = resolve_org(uow, source)
        uow.orgs.family(to.production_id, lock=True)
        auth = Authorization(to.id, frm.id)
        if auth not in uow.authorizations.for_orgs([to.id]):
            raise Refused(
                f"{to.name} does not allow inbound changes from {frm.name}; nothing to revoke"
            )
        uow.authorizations.remove(auth)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="connection.inbound_revoked",
            org=to,
            source=frm.name,
            source_id=frm.id,
        )
        uow.commit()
    return auth


def family_paths(ctx: Context, *, actor: Actor, org: str) -> PromotionPaths:
    """The promotion paths of the family ``org`` belongs to."""
    with ctx.uow(read_only=True) as uow:
        member = org_for(uow, actor, org)
        family = uow.orgs.family(member.production_id)
        auths = uow.authorizations.for_orgs(o.id for o in family)
    return promotion_paths(family, auths)
