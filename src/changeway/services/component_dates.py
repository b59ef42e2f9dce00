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
from changeway.services.versions import component_index


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
    """The org's components of ``types`` with their dates: each version is compared with the
    one before it, visiting only the parts of the tree that differ."""
    with ctx.uow(read_only=True) as uow:
        target = org_for(uow, actor, org)
        versions = uow.metadata.versions(target.id)
        wanted = set(types)
        first: dict[ComponentKey, tuple[datetime, str]] = {}
        last: dict[ComponentKey, tuple[datetime, str]] = {}
        previous: str | None = None
        for version in versions:
            stamp = (version.created_at, version.author)
            if previous is None:
                changed = [k for t in wanted for k in component_index(uow, version.root, type_=t)]
            else:
                changed = [
                    d.key
                    for d in tree.diff(uow.metadata, previous, version.root)
                    if d.key.type in wanted and d.after is not None
                ]
            for key in changed:
                first.setdefault(key, stamp)
                last[key] = stamp
            previous = version.root
        head = versions[-1].root if versions else None
        present = (
            sorted(k for t in wanted for k in component_index(uow, head, type_=t)) if head else []
        )
    return target, [
        ComponentDates(k, *first.get(k, last[k]), *last[k]) for k in present if k in last
    ]
