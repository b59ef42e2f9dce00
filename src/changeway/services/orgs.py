"""Production orgs: create, list, show, settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from changeway.domain import tree
from changeway.domain.errors import Refused
from changeway.domain.orgs import Org, new_production
from changeway.domain.permissions import Actor
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.lookup import org_for, refresh_copy_of
from changeway.services.paging import Page, page_of
from changeway.services.versions import commit_version, store_components

if TYPE_CHECKING:
    from changeway.adapters.formats import MetadataSet


def create_production(
    ctx: Context,
    *,
    actor: Actor,
    name: str,
    initial: MetadataSet | None = None,
    origin: str = "",
) -> Org:
    """Create a production org, empty or holding ``initial`` (read with
    ``intake.read_checked``, so bad input is refused before anything is written).

    Only server administrators create production orgs; names are unique on the server.
    ``origin`` names the input in the history.
    """
    actor.require_admin(action="create production orgs")
    with ctx.uow() as uow:
        now = ctx.clock.now()
        org = new_production(name=name, now=now)
        if any(o.is_production for o in uow.orgs.named(name)):
            raise Refused(f"a production org named {name!r} exists")
        if initial:
            from changeway.services.intake import project_settings  # reads the formats

            org = replace(org, project=project_settings(initial, {}))
        uow.orgs.add(org)
        components = initial.components if initial else []
        root = tree.build_root(uow.metadata, store_components(uow, components))
        reason = f"initial metadata from {origin or 'an import'}" if initial else "new empty org"
        version = commit_version(
            uow,
            org=org,
            root=root,
            kind=VersionKind.IMPORT if initial else VersionKind.EMPTY,
            author=actor.label,
            reason=reason,
            at=now,
            parent_id=None,
        )
        org = replace(org, head_version_id=version.id)
        record(
            uow,
            at=now,
            actor=actor,
            action="org.created",
            org=org,
            kind=org.kind.value,
            components=version.components,
        )
        uow.commit()
    return org


@dataclass(frozen=True)
class OrgSummary:
    """An org with the names a listing shows next to it."""

    org: Org
    production_name: str
    source_name: str | None
    refresh: Org | None
    version: OrgVersion | None = None


def list_orgs(
    ctx: Context, *, actor: Actor, cursor: str | None = None, limit: int | None = None
) -> Page[OrgSummary]:
    """Every org the actor may see that is not gone, grouped by family, production first.

    A refreshed copy waiting for activation is not listed on its own: it shows as the
    ``refresh`` of the sandbox it will replace.
    """
    with ctx.uow(read_only=True) as uow:
        orgs = uow.orgs.all()
        names = {o.id: o.name for o in uow.orgs.all(include_gone=True)}
    copies = {o.replaces_id: o for o in orgs if o.is_refresh_copy}
    summaries = [
        OrgSummary(
            org=o,
            production_name=names.get(o.production_id, o.production_id),
            source_name=names.get(o.source_id) if o.source_id else None,
            refresh=copies.get(o.id),
        )
        for o in orgs
        if not o.is_refresh_copy and actor.can_see(o)
    ]
    ordered = sorted(
        summaries,
        key=lambda s: (s.production_name.lower(), not s.org.is_production, s.org.name.lower()),
    )
    return page_of(ordered, cursor=cursor, limit=limit)


def show_org(ctx: Context, *, actor: Actor, ref: str) -> OrgSummary:
    """One org, with its family's production and any refresh in flight."""
    with ctx.uow(read_only=True) as uow:
        org = org_for(uow, actor, ref)
        production = uow.orgs.get(org.production_id)
        source = uow.orgs.get(org.source_id) if org.source_id else None
        copy = refresh_copy_of(uow, org) if not org.is_production else None
        version = uow.metadata.get_version(org.head_version_id) if org.head_version_id else None
    return OrgSummary(
        org=org,
        production_name=production.name if production else org.production_id,
        source_name=source.name if source else None,
        refresh=copy,
        version=version,
    )


def set_direct_changes(ctx: Context, *, actor: Actor, org: str, allowed: bool) -> Org:
    """Allow or refuse direct metadata changes (imports) in an org: administrators only, as
    it decides whether change sets are the only way in."""
    with ctx.uow() as uow:
        target = org_for(uow, actor, org)
        actor.require_admin(action=f"change whether {target.name} allows direct changes")
        target.require_active("change the settings of")
        updated = replace(target, allow_direct_changes=allowed)
        uow.orgs.save(updated)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="org.settings_changed",
            org=target,
            allow_direct_changes=allowed,
        )
        uow.commit()
    return updated
