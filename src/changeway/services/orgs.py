"""Production orgs: create, list, show."""

from __future__ import annotations

from dataclasses import dataclass, replace

from changeway.adapters.formats import MetadataSet
from changeway.domain import tree
from changeway.domain.clock import Clock
from changeway.domain.errors import Refused
from changeway.domain.orgs import Org, new_production
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import record
from changeway.services.intake import project_settings
from changeway.services.lookup import refresh_copy_of, resolve_org
from changeway.services.ports import UnitOfWork
from changeway.services.versions import commit_version, store_components


def create_production(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: str,
    name: str,
    initial: MetadataSet | None = None,
    origin: str = "",
) -> Org:
    """Create a production org, empty or holding ``initial`` (read with
    ``intake.read_checked``, so bad input is refused before anything is written).

    Production names are unique on the server; ``origin`` names the input in the history.
    """
    now = clock.now()
    org = new_production(name=name, now=now)
    if any(o.is_production for o in uow.orgs.named(name)):
        raise Refused(f"a production org named {name!r} exists")
    if initial:
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
        author=actor,
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


def list_orgs(uow: UnitOfWork) -> list[OrgSummary]:
    """Every org that is not gone, grouped by family, production first.

    A refreshed copy waiting for activation is not listed on its own: it shows as the
    ``refresh`` of the sandbox it will replace.
    """
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
        if not o.is_refresh_copy
    ]
    return sorted(
        summaries,
        key=lambda s: (s.production_name.lower(), not s.org.is_production, s.org.name.lower()),
    )


def show_org(uow: UnitOfWork, *, ref: str) -> OrgSummary:
    """One org, with its family's production and any refresh in flight."""
    org = resolve_org(uow, ref)
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
