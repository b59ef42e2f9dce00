"""Outbound change sets: create, add, remove, upload along authorized paths, clone (SPEC §4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from changeway.adapters import formats
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
from changeway.domain.clock import Clock
from changeway.domain.components import ComponentKey
from changeway.domain.connections import require_upload_allowed
from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.services.audit import record
from changeway.services.lineage import known_contents
from changeway.services.lookup import resolve_org
from changeway.services.ports import UnitOfWork
from changeway.services.versions import component_file_refs, component_index, head_version


def create_change_set(
    uow: UnitOfWork, *, clock: Clock, actor: str, org: str, name: str, description: str = ""
) -> ChangeSet:
    """A new open change set in ``org``; names are unique in the org."""
    cs = _new_change_set(uow, clock=clock, actor=actor, org=org, name=name, description=description)
    uow.commit()
    return cs


def _new_change_set(
    uow: UnitOfWork, *, clock: Clock, actor: str, org: str, name: str, description: str
) -> ChangeSet:
    """Add an open change set in the caller's transaction (not committed)."""
    source = resolve_org(uow, org)
    source.require_active("create a change set in")
    check_change_set_name(name)
    if uow.change_sets.named(source.id, name) is not None:
        raise Refused(f"{source.name} already has a change set named {name!r}")
    now = clock.now()
    cs = uow.change_sets.add(
        ChangeSet(
            id=0,
            org_id=source.id,
            name=name,
            description=description,
            status=ChangeSetStatus.OPEN,
            created_by=actor,
            created_at=now,
        )
    )
    record(uow, at=now, actor=actor, action="change_set.created", org=source, change_set=name)
    return cs


def add_components(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: str,
    org: str,
    name: str,
    components: Sequence[str] = (),
    manifest: Path | None = None,
    deletions: Sequence[str] = (),
    post: bool = False,
) -> ChangeSet:
    """Add components (``TYPE:NAME``, ``TYPE:*``, or a package.xml's members) and deletions.

    Components must exist in the org; deletions name components to remove from the target
    (before the other changes, or after them with ``post``).
    """
    source, cs = _open_change_set(uow, org, name, "edit")
    patterns = [_parse_key(text) for text in components]
    if manifest is not None:
        patterns += [ComponentKey(t, m) for t, m in formats.parse_manifest(manifest)]
    removals = [_parse_key(text) for text in deletions]
    wild = [str(k) for k in removals if any(ch in k.name for ch in "*?[")]
    if wild:
        raise Refused("deletions take exact names, not wildcards: " + ", ".join(wild))
    if not patterns and not removals:
        raise Refused("name components (TYPE:NAME), --manifest or --delete")
    chosen = (
        expand(patterns, VersionCatalog(uow, head_version(uow, source).root)) if patterns else []
    )
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
        at=clock.now(),
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
    uow: UnitOfWork, *, clock: Clock, actor: str, org: str, name: str, components: Sequence[str]
) -> ChangeSet:
    """Take components (or deletions) out of an open change set."""
    source, cs = _open_change_set(uow, org, name, "edit")
    keys = [_parse_key(text) for text in components]
    absent = [str(k) for k in keys if k not in cs.items]
    if absent:
        raise Refused(f"change set {name!r} does not hold " + ", ".join(absent))
    for key in keys:
        del cs.items[key]
    uow.change_sets.save(cs)
    record(
        uow,
        at=clock.now(),
        actor=actor,
        action="change_set.components_removed",
        org=source,
        change_set=name,
        components=[str(k) for k in keys],
    )
    uow.commit()
    return cs


def list_change_sets(uow: UnitOfWork, *, org: str) -> list[ChangeSet]:
    """The org's outbound change sets."""
    return uow.change_sets.of_org(resolve_org(uow, org).id)


def get_change_set(uow: UnitOfWork, *, org: str, name: str) -> ChangeSet:
    """One outbound change set by name."""
    source = resolve_org(uow, org)
    cs = uow.change_sets.named(source.id, name)
    if cs is None:
        raise NotFound(f"{source.name} has no change set named {name!r}")
    return cs


def upload_change_set(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: str,
    org: str,
    name: str,
    target: str,
    limits: Limits = Limits(),
) -> InboundChangeSet:
    """Upload to ``target`` if it allows inbound changes from the source; freezes the set.

    The first upload snapshots each component's exact content and every content the source's
    history has seen of it (for conflict detection); later uploads send that same snapshot.
    """
    source = resolve_org(uow, org)
    destination = resolve_org(uow, target)
    cs = get_change_set(uow, org=org, name=name)
    family = uow.orgs.family(source.production_id)
    require_upload_allowed(source, destination, uow.authorizations.for_orgs(o.id for o in family))
    if not cs.items:
        raise Refused(f"change set {name!r} is empty; add components before uploading")
    now = clock.now()
    if cs.status is ChangeSetStatus.OPEN:
        _freeze(uow, source, cs, limits, now)
    inbound = uow.change_sets.add_inbound(
        InboundChangeSet(
            id=0,
            change_set_id=cs.id,
            name=cs.name,
            description=cs.description,
            source_org_id=source.id,
            target_org_id=destination.id,
            uploaded_by=actor,
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
    uow: UnitOfWork, *, clock: Clock, actor: str, org: str, name: str, new_name: str
) -> ChangeSet:
    """An open copy of a change set; its components take their current content at upload."""
    source = resolve_org(uow, org)
    original = get_change_set(uow, org=org, name=name)
    clone = _new_change_set(
        uow, clock=clock, actor=actor, org=org, name=new_name, description=original.description
    )
    clone.items = {k: Item(k, i.action, i.phase) for k, i in original.items.items()}
    uow.change_sets.save(clone)
    record(
        uow,
        at=clock.now(),
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


def _open_change_set(uow: UnitOfWork, org: str, name: str, action: str) -> tuple[Org, ChangeSet]:
    source = resolve_org(uow, org)
    cs = get_change_set(uow, org=org, name=name)
    cs.require_open(action)
    return source, cs


def _parse_key(text: str) -> ComponentKey:
    try:
        return ComponentKey.parse(text)
    except ValueError as error:
        raise Refused(str(error)) from None
