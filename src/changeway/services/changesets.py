"""Outbound change sets: create, add, remove, upload along authorized paths, clone
(docs/model.md, "Change sets"). Editing and uploading need create_upload_change_sets in the
source org."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from changeway.domain import tree
from changeway.domain.changesets import (
    Action,
    ChangeSet,
    ChangeSetStatus,
    InboundChangeSet,
    InboundStatus,
    Item,
    Limits,
    Phase,
    check_change_set_name,
    check_limits,
    expand,
)
from changeway.domain.components import ComponentKey
from changeway.domain.connections import require_upload_allowed
from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor, Permission
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.lineage import known_contents
from changeway.services.lookup import org_for
from changeway.services.paging import Page, page_of
from changeway.services.ports import UnitOfWork
from changeway.services.type_names import require_known_type
from changeway.services.versions import component_file_refs, component_index, head_version

_EDIT = Permission.CREATE_UPLOAD_CHANGE_SETS


def create_change_set(
    ctx: Context, *, actor: Actor, org: str, name: str, description: str = ""
) -> ChangeSet:
    """A new open change set in ``org``; names are unique in the org."""
    check_change_set_name(name)
    with ctx.uow() as uow:
        source = _source(uow, actor, org, "create change sets in")
        cs = _new_change_set(
            uow, ctx, actor=actor, source=source, name=name, description=description
        )
        uow.commit()
    return cs


def _source(uow: UnitOfWork, actor: Actor, org: str, action: str) -> Org:
    """The source org, if the actor may build and upload change sets there."""
    return org_for(uow, actor, org, _EDIT, action=f"{action} {org}")


def _new_change_set(
    uow: UnitOfWork, ctx: Context, *, actor: Actor, source: Org, name: str, description: str
) -> ChangeSet:
    """Add an open change set in the caller's transaction (not committed)."""
    source.require_active("create a change set in")
    check_change_set_name(name)
    if uow.change_sets.named(source.id, name) is not None:
        raise Refused(f"{source.name} already has a change set named {name!r}")
    now = ctx.clock.now()
    cs = uow.change_sets.add(
        ChangeSet(
            id=0,
            org_id=source.id,
            name=name,
            description=description,
            status=ChangeSetStatus.OPEN,
            created_by=actor.label,
            created_at=now,
        )
    )
    record(uow, at=now, actor=actor, action="change_set.created", org=source, change_set=name)
    return cs


def add_components(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    name: str,
    components: Sequence[str] = (),
    members: Sequence[tuple[str, str]] = (),
    deletions: Sequence[str] = (),
    post: bool = False,
) -> ChangeSet:
    """Add components (``TYPE:NAME``, ``TYPE:*``, or a manifest's ``members``) and deletions.

    Components must exist in the org; deletions name components to remove from the target
    (before the other changes, or after them with ``post``).
    """
    patterns = [_parse_key(text) for text in components]
    patterns += [ComponentKey(t, m) for t, m in members]
    removals = [_parse_key(text) for text in deletions]
    wild = [str(k) for k in removals if any(ch in k.name for ch in "*?[")]
    if wild:
        raise Refused("deletions take exact names, not wildcards: " + ", ".join(wild))
    if not patterns and not removals:
        raise Refused("name components (TYPE:NAME), a manifest, or deletions to add")
    with ctx.uow() as uow:
        source, cs = _open_change_set(uow, actor, org, name, "edit")
        catalog = VersionCatalog(uow, head_version(uow, source).root)
        for type_ in dict.fromkeys(k.type for k in [*patterns, *removals]):
            require_known_type(type_, held=lambda t: bool(catalog.of_type(t)))
        chosen = expand(patterns, catalog) if patterns else []
        phase = Phase.POST if post else Phase.PRE
        new_items = [Item(k) for k in chosen] + [Item(k, Action.DELETE, phase) for k in removals]
        clashes = [
            f"{i.key} (already to {cs.items[i.key].action.value})"
            for i in new_items
            if i.key in cs.items and cs.items[i.key].action is not i.action
        ] + [f"{k} (named both ways)" for k in dict.fromkeys(chosen) if k in set(removals)]
        if clashes:
            raise Refused("a component cannot be both deployed and deleted: " + ", ".join(clashes))
        for item in new_items:
            cs.items[item.key] = item
        uow.change_sets.save(cs)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="change_set.components_added",
            org=source,
            change_set=name,
            components=[str(k) for k in chosen],
            deletions=[str(k) for k in removals],
        )
        uow.commit()
    return cs


def remove_components(
    ctx: Context, *, actor: Actor, org: str, name: str, components: Sequence[str]
) -> ChangeSet:
    """Take components (or deletions) out of an open change set."""
    keys = [_parse_key(text) for text in components]
    with ctx.uow() as uow:
        source, cs = _open_change_set(uow, actor, org, name, "edit")
        absent = [str(k) for k in keys if k not in cs.items]
        if absent:
            raise Refused(f"change set {name!r} does not hold " + ", ".join(absent))
        for key in keys:
            del cs.items[key]
        uow.change_sets.save(cs)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="change_set.components_removed",
            org=source,
            change_set=name,
            components=[str(k) for k in keys],
        )
        uow.commit()
    return cs


def list_change_sets(
    ctx: Context, *, actor: Actor, org: str, cursor: str | None = None, limit: int | None = None
) -> Page[ChangeSet]:
    """The org's outbound change sets, paged."""
    with ctx.uow(read_only=True) as uow:
        sets = uow.change_sets.of_org(org_for(uow, actor, org).id)
    return page_of(sets, cursor=cursor, limit=limit)


def get_change_set(ctx: Context, *, actor: Actor, org: str, name: str) -> ChangeSet:
    """One outbound change set by name."""
    with ctx.uow(read_only=True) as uow:
        return find_change_set(uow, org_for(uow, actor, org), name)


def find_change_set(uow: UnitOfWork, source: Org, name: str) -> ChangeSet:
    """An outbound change set of ``source`` by name, in the caller's transaction."""
    cs = uow.change_sets.named(source.id, name)
    if cs is None:
        raise NotFound(f"{source.name} has no change set named {name!r}")
    return cs


def upload_change_set(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    name: str,
    target: str,
    limits: Limits | None = None,
) -> InboundChangeSet:
    """Upload to ``target`` if it allows inbound changes from the source; freezes the set.

    The first upload snapshots each component's exact content and every content the source's
    history has seen of it (for conflict detection); later uploads send that same snapshot.
    Limits default to the operator's (``ctx.change_set_limits``).
    """
    with ctx.uow() as uow:
        source = _source(uow, actor, org, "upload change sets from")
        destination = org_for(uow, actor, target)
        cs = find_change_set(uow, source, name)
        family = uow.orgs.family(source.production_id, lock=True)
        require_upload_allowed(
            source, destination, uow.authorizations.for_orgs(o.id for o in family)
        )
        if not cs.items:
            raise Refused(f"change set {name!r} is empty; add components before uploading")
        now = ctx.clock.now()
        if cs.status is ChangeSetStatus.OPEN:
            _freeze(uow, source, cs, limits or ctx.change_set_limits, now)
        inbound = uow.change_sets.add_inbound(
            InboundChangeSet(
                id=0,
                change_set_id=cs.id,
                name=cs.name,
                description=cs.description,
                source_org_id=source.id,
                target_org_id=destination.id,
                uploaded_by=actor.label,
                uploaded_at=now,
                status=InboundStatus.AWAITING,
                items=cs.items,
            )
        )
        for org_ in (source, destination):
            record(
                uow,
                at=now,
                actor=actor,
                action="change_set.uploaded",
                org=org_,
                change_set=name,
                source=source.name,
                target=destination.name,
                inbound_id=inbound.id,
                components=len(cs.items),
            )
        uow.commit()
    return inbound


def clone_change_set(
    ctx: Context, *, actor: Actor, org: str, name: str, new_name: str
) -> ChangeSet:
    """An open copy of a change set; its components take their current content at upload."""
    with ctx.uow() as uow:
        source = _source(uow, actor, org, "clone change sets in")
        original = find_change_set(uow, source, name)
        clone = _new_change_set(
            uow, ctx, actor=actor, source=source, name=new_name, description=original.description
        )
        clone.items = {k: Item(k, i.action, i.phase) for k, i in original.items.items()}
        uow.change_sets.save(clone)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="change_set.cloned",
            org=source,
            change_set=new_name,
            cloned_from=name,
        )
        uow.commit()
    return clone


def _freeze(uow: UnitOfWork, source: Org, cs: ChangeSet, limits: Limits, now: datetime) -> None:
    head = head_version(uow, source)
    upserts = [k for k, i in cs.items.items() if i.action is Action.UPSERT]
    contents = tree.lookup_many(uow.metadata, head.root, upserts)
    gone = [str(k) for k, h in contents.items() if h is None]
    if gone:
        raise Refused(f"{source.name} no longer has " + ", ".join(gone) + "; remove them first")
    present = {k: h for k, h in contents.items() if h}
    files = component_file_refs(uow, present)
    check_limits(
        sum(len(f) for f in files.values()),
        sum(x.size for f in files.values() for x in f),
        limits,
        name=cs.name,
    )
    known = known_contents(uow, head, cs.items)
    cs.items = {
        k: replace(i, content=present.get(k), known=tuple(sorted(known[k])))
        for k, i in cs.items.items()
    }
    cs.status = ChangeSetStatus.CLOSED
    cs.closed_at = now
    cs.source_version_id = head.id
    uow.change_sets.save(cs)


class VersionCatalog:
    """An org version's components, looked up in its tree: cost follows what is asked."""

    def __init__(self, uow: UnitOfWork, root: str) -> None:
        self._uow = uow
        self._root = root

    def __contains__(self, key: object) -> bool:
        return isinstance(key, ComponentKey) and bool(
            tree.lookup(self._uow.metadata, self._root, key)
        )

    def of_type(self, type_: str) -> list[ComponentKey]:
        return list(component_index(self._uow, self._root, type_=type_))


def _open_change_set(
    uow: UnitOfWork, actor: Actor, org: str, name: str, action: str
) -> tuple[Org, ChangeSet]:
    source = _source(uow, actor, org, f"{action} change sets in")
    cs = find_change_set(uow, source, name)
    cs.require_open(action)
    return source, cs


def _parse_key(text: str) -> ComponentKey:
    try:
        return ComponentKey.parse(text)
    except ValueError as error:
        raise Refused(str(error)) from None
