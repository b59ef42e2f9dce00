"""When and by whom each component of an org was created and last changed, from the org's
version history (what Salesforce's listMetadata reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from changeway.domain import tree
from changeway.domain.components import ComponentKey
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.ports import UnitOfWork
from changeway.services.versions import component_index, head_version


@dataclass(frozen=True)
class ComponentDates:
    """A component of the org's head version, with its first and latest version's author."""

    key: ComponentKey
    created_at: datetime
    created_by: str
    modified_at: datetime
    modified_by: str


def component_dates(
    ctx: Context, *, actor: Actor, org: str, types: list[str]
) -> tuple[Org, list[ComponentDates]]:
    """The org's components of ``types`` with their dates, in key order."""
    with ctx.uow(read_only=True) as uow:
        target = org_for(uow, actor, org)
        if target.head_version_id is None:
            return target, []
        head = head_version(uow, target).root
        present = sorted(k for t in types for k in component_index(uow, head, type_=t))
        dated = _dates(uow, target, present)
    return target, [dated[k] for k in present if k in dated]


def dates_of(
    ctx: Context, *, actor: Actor, org: str, keys: list[ComponentKey]
) -> dict[ComponentKey, ComponentDates]:
    """The dates of the given components of the org (those it holds), for one page of a list."""
    with ctx.uow(read_only=True) as uow:
        return _dates(uow, org_for(uow, actor, org), keys)


def _dates(
    uow: UnitOfWork, target: Org, keys: list[ComponentKey]
) -> dict[ComponentKey, ComponentDates]:
    """Each version is compared with the one before it, visiting only the parts of the tree
    that differ; a key's first and latest version holding new content give its dates."""
    wanted = set(keys)
    first: dict[ComponentKey, tuple[datetime, str]] = {}
    last: dict[ComponentKey, tuple[datetime, str]] = {}
    previous: str | None = None
    for version in uow.metadata.versions(target.id):
        stamp = (version.created_at, version.author)
        if previous is None:
            found = tree.lookup_many(uow.metadata, version.root, wanted)
            changed = [k for k, h in found.items() if h is not None]
        else:
            changed = [
                d.key
                for d in tree.diff(uow.metadata, previous, version.root)
                if d.key in wanted and d.after is not None
            ]
        for key in changed:
            first.setdefault(key, stamp)
            last[key] = stamp
        previous = version.root
    return {k: ComponentDates(k, *first[k], *last[k]) for k in last}
