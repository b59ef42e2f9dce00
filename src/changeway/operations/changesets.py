"""Operations on outbound change sets."""

from __future__ import annotations

from typing import Any

from changeway.domain.components import ComponentKey
from changeway.domain.errors import Refused
from changeway.domain.permissions import Actor
from changeway.operations import page_view
from changeway.services import changesets, dependencies
from changeway.services.context import Context
from changeway.services.inbound import Inbound
from changeway.views import change_set_view, inbound_view, needed_view


def parse_key(text: str) -> ComponentKey:
    """``TYPE:NAME`` as users type it."""
    try:
        return ComponentKey.parse(text)
    except ValueError as error:
        raise Refused(str(error)) from None


def list_(
    ctx: Context, actor: Actor, *, org: str, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """ORG's outbound change sets."""
    page = changesets.list_change_sets(ctx, actor=actor, org=org, cursor=cursor, limit=limit)
    return page_view(page, change_set_view)


def create(
    ctx: Context, actor: Actor, *, org: str, name: str, description: str = ""
) -> dict[str, Any]:
    """A new open change set."""
    return change_set_view(
        changesets.create_change_set(ctx, actor=actor, org=org, name=name, description=description)
    )


def show(ctx: Context, actor: Actor, *, org: str, name: str) -> dict[str, Any]:
    """One change set with its components."""
    return change_set_view(changesets.get_change_set(ctx, actor=actor, org=org, name=name))


def add(
    ctx: Context,
    actor: Actor,
    *,
    org: str,
    name: str,
    components: list[str] | None = None,
    members: list[str] | None = None,
    deletions: list[str] | None = None,
    post: bool = False,
) -> dict[str, Any]:
    """Add components (TYPE:NAME, wildcards), a manifest's members, and deletions."""
    pairs = [(k.type, k.name) for k in map(parse_key, members or [])]
    cs = changesets.add_components(
        ctx,
        actor=actor,
        org=org,
        name=name,
        components=components or [],
        members=pairs,
        deletions=deletions or [],
        post=post,
    )
    return change_set_view(cs)


def remove(
    ctx: Context, actor: Actor, *, org: str, name: str, components: list[str]
) -> dict[str, Any]:
    """Take components or deletions out of an open change set."""
    return change_set_view(
        changesets.remove_components(ctx, actor=actor, org=org, name=name, components=components)
    )


def upload(ctx: Context, actor: Actor, *, org: str, name: str, to: str) -> dict[str, Any]:
    """Upload to an org that allows inbound changes from ORG (freezes the change set)."""
    inbound = changesets.upload_change_set(ctx, actor=actor, org=org, name=name, target=to)
    return inbound_view(Inbound(inbound, org, to))


def clone(ctx: Context, actor: Actor, *, org: str, name: str, new_name: str) -> dict[str, Any]:
    """An open copy of a change set."""
    return change_set_view(
        changesets.clone_change_set(ctx, actor=actor, org=org, name=name, new_name=new_name)
    )


def deps(
    ctx: Context, actor: Actor, *, org: str, name: str, target: str | None = None
) -> list[dict[str, Any]]:
    """What the change set's components need that it (and the target) lacks."""
    found = dependencies.change_set_needs(ctx, actor=actor, org=org, name=name, target=target)
    return [needed_view(n) for n in found]


def add_deps(
    ctx: Context, actor: Actor, *, org: str, name: str, target: str | None = None
) -> list[dict[str, Any]]:
    """Add every dependency the source can supply; returns what was added."""
    added = dependencies.add_needed(ctx, actor=actor, org=org, name=name, target=target)
    return [needed_view(n) for n in added]
