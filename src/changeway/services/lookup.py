"""Finding orgs by what users type (a name, ``PRODUCTION/NAME``, or an id), and only those
the acting user may see."""

from __future__ import annotations

from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor, Permission
from changeway.services.ports import UnitOfWork


def resolve_org(uow: UnitOfWork, ref: str) -> Org:
    """The live org ``ref`` names (refreshed copies awaiting activation are not picked)."""
    if "/" in ref:
        production_name, _, name = ref.partition("/")
        production = _one([o for o in uow.orgs.named(production_name) if o.is_production], ref)
        matches = [
            o
            for o in uow.orgs.named(name)
            if o.production_id == production.id and not o.is_refresh_copy
        ]
        return _one(matches, ref)
    by_id = uow.orgs.get(ref)
    if by_id is not None:
        return by_id
    matches = [o for o in uow.orgs.named(ref) if not o.is_refresh_copy]
    if len(matches) > 1:
        choices = ", ".join(sorted(f"{_production_name(uow, o)}/{o.name}" for o in matches))
        raise Refused(f"{ref!r} names several orgs; say which: {choices}")
    return _one(matches, ref)


def org_for(
    uow: UnitOfWork,
    actor: Actor,
    ref: str,
    permission: Permission = Permission.VIEW_SETUP,
    *,
    action: str = "see",
) -> Org:
    """The org ``ref`` names, if ``actor`` holds ``permission`` there (view_setup: may see it)."""
    org = resolve_org(uow, ref)
    actor.require(Permission.VIEW_SETUP, org, action=f"see {org.name}")
    if permission is not Permission.VIEW_SETUP:
        actor.require(permission, org, action=action)
    return org


def locked(uow: UnitOfWork, org: Org) -> Org:
    """``org`` read again with its row locked until the transaction ends, so that writers to
    one org wait their turn (PostgreSQL; SQLite's writer already holds the database)."""
    current = uow.orgs.get(org.id, lock=True)
    if current is None:
        raise NotFound(f"{org.name} is gone")
    return current


def refresh_copy_of(uow: UnitOfWork, sandbox: Org) -> Org | None:
    """The newest refreshed copy of ``sandbox``, if a refresh was ever started."""
    copies = [o for o in uow.orgs.family(sandbox.production_id) if o.replaces_id == sandbox.id]
    return copies[-1] if copies else None


def _production_name(uow: UnitOfWork, org: Org) -> str:
    production = uow.orgs.get(org.production_id)
    return production.name if production else org.production_id


def _one(matches: list[Org], ref: str) -> Org:
    if not matches:
        raise NotFound(f"no org named {ref!r}")
    if len(matches) > 1:
        raise Refused(f"{ref!r} names several orgs; use PRODUCTION/NAME or the id")
    return matches[0]
