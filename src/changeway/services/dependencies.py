"""Dependency analysis on org versions: where-used, change set dependencies, and the
missing-dependency check of validations and deployments (docs/model.md, "Change sets" and
"Validation and deployment").

References are extracted once per component content and cached in the store, so analysing
a version re-reads only components whose content was never analysed (incremental).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from changeway.adapters import references as extractors
from changeway.domain import tree
from changeway.domain.changesets import Action, Item
from changeway.domain.components import Component, ComponentKey
from changeway.domain.dependencies import (
    DependencyGraph,
    KeyIndex,
    Reference,
    Without,
    folded,
    names_of,
    options,
    parent_object,
)
from changeway.domain.errors import NotFound
from changeway.domain.permissions import Actor, Permission
from changeway.domain.versions import OrgVersion
from changeway.services.audit import record
from changeway.services.changesets import find_change_set
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.ports import UnitOfWork
from changeway.services.versions import (
    component_index,
    head_version,
    load_components,
    resolve_version,
)

#: Child type -> the container type whose files hold it (labels, workflow actions, ...).
_CONTAINER_OF = {
    child: parent for parent, kids in extractors.CHILD_SECTIONS.items() for child in kids.values()
}
#: Containers whose children are not named after them (every label file may hold any label).
_UNPREFIXED = frozenset({"CustomLabels"})
#: Components analysed per batch when a whole tree is analysed.
_BATCH = 5_000
#: The longest component name the store holds.
_LONGEST_NAME = 255


@dataclass(frozen=True)
class Analysis:
    """What one component references, and which keys it provides (itself, held children)."""

    references: list[Reference]
    provides: set[ComponentKey]


def analyse(
    uow: UnitOfWork, index: Mapping[ComponentKey, str], loaded: Iterable[Component] = ()
) -> dict[ComponentKey, Analysis]:
    """The analysis of each component (key -> content hash), from the cache or computed;
    ``loaded``: components of ``index`` the caller already read (not read again).

    The cache is keyed by content and by the extractors' version, so a new version of the
    extractors never reads what an older one found.
    """
    wanted = {key: _cache_key(content) for key, content in index.items()}
    cached = uow.metadata.get_analyses([(cache, key) for key, cache in wanted.items()])
    out = {
        key: _decode(key, cached[(cache, key)])
        for key, cache in wanted.items()
        if (cache, key) in cached
    }
    todo = {key: index[key] for key, cache in wanted.items() if (cache, key) not in cached}
    fresh: dict[tuple[str, ComponentKey], Any] = {}
    names: dict[tuple[str, ComponentKey], list[tuple[str, str, str]]] = {}
    at_hand = {c.key: c for c in loaded if c.key in todo}
    unread = {key: content for key, content in todo.items() if key not in at_hand}
    for component in [*at_hand.values(), *load_components(uow, unread)]:
        analysis = Analysis(
            extractors.extract_references(component), extractors.provided_keys(component)
        )
        out[component.key] = analysis
        fresh[(wanted[component.key], component.key)] = _encode(analysis)
        names[(wanted[component.key], component.key)] = _index_rows(analysis.references)
    uow.metadata.put_analyses(fresh, names)
    return out


def _index_rows(references: list[Reference]) -> list[tuple[str, str, str]]:
    """Where-used index rows of one analysis: each name its references may resolve to,
    with the object holding it (for a child of an object). Longer names name nothing that
    can exist (names are refused beyond the store's 255 characters)."""
    rows = []
    for type_, name in names_of(references):
        if len(name) <= _LONGEST_NAME:
            parent = parent_object(ComponentKey(type_, name))
            rows.append((type_, name, parent.name if parent else ""))
    return rows


def ensure_analysed(uow: UnitOfWork, version: OrgVersion) -> None:
    """Every component of ``version`` analysed, recorded once per tree: after it, where-used
    and deletion checks read only the users of what they ask about. A version whose parent
    is analysed analyses only what differs from it."""
    mark = _cache_key(version.root)
    if uow.metadata.is_analysed(mark):
        return
    parent = uow.metadata.get_version(version.parent_id) if version.parent_id else None
    if parent is not None and uow.metadata.is_analysed(_cache_key(parent.root)):
        differences = tree.diff(uow.metadata, parent.root, version.root)
        todo = {d.key: d.after for d in differences if d.after is not None}
    else:
        todo = component_index(uow, version.root)
    keys = sorted(todo)
    for start in range(0, len(keys), _BATCH):
        analyse(uow, {key: todo[key] for key in keys[start : start + _BATCH]})
    uow.metadata.mark_analysed([mark])


def users_in(
    uow: UnitOfWork, root: str, names: Iterable[tuple[str, str]], objects: Iterable[str] = ()
) -> dict[ComponentKey, str]:
    """The components of an analysed tree whose references may name one of ``names``
    (folded keys) or a child of one of ``objects`` (lower-cased): key -> content hash.

    The index answers for every analysis ever stored; only those whose content is the
    tree's own are kept."""
    candidates = uow.metadata.users_of(names, objects)
    found = tree.lookup_many(uow.metadata, root, {key for _cache, key in candidates})
    return {
        key: content
        for cache, key in candidates
        if (content := found[key]) is not None and _cache_key(content) == cache
    }


def _cache_key(content: str) -> str:
    """Where the analysis of ``content`` is cached, for the current extractors."""
    return hashlib.sha256(f"{extractors.VERSION}:{content}".encode()).hexdigest()


def graph_of(
    uow: UnitOfWork, index: Mapping[ComponentKey, str], loaded: Iterable[Component] = ()
) -> DependencyGraph:
    """The dependency graph of the components in ``index`` (``loaded``: as in ``analyse``)."""
    graph = DependencyGraph()
    add_to_graph(uow, graph, index, loaded)
    return graph


def add_to_graph(
    uow: UnitOfWork,
    graph: DependencyGraph,
    index: Mapping[ComponentKey, str],
    loaded: Iterable[Component] = (),
) -> None:
    """Put the analyses of the components in ``index`` into ``graph``."""
    for key, analysis in analyse(uow, index, loaded).items():
        graph.replace(key, analysis.references, analysis.provides)


class VersionKeys:
    """The keys that exist in one org version, looked up in its tree (case-insensitively),
    including children held in container files. Cost follows the lookups, not the org:
    a child's container is found from the child's name (``Obj__c.Field__c`` is held by
    ``Obj__c``), except labels, which any label file of the org may hold. ``prefetch``
    looks many keys up in one batch per trie level."""

    def __init__(self, uow: UnitOfWork, root: str) -> None:
        self._uow = uow
        self._root = root
        self._held: dict[ComponentKey, dict[tuple[str, str], ComponentKey]] = {}
        self._label_files: list[ComponentKey] | None = None
        self._spelled: dict[tuple[str, str], ComponentKey | None] = {}

    def prefetch(self, keys: Iterable[ComponentKey]) -> None:
        """Look ``keys`` (and the containers that may hold them) up now, in batches."""
        wanted = set(keys)
        wanted |= {parent for key in wanted if (parent := self._prefixed_container(key))}
        todo = [key for key in wanted if folded(key) not in self._spelled]
        for key, exact in tree.spellings(self._uow.metadata, self._root, todo).items():
            self._spelled.setdefault(folded(key), exact)

    def get(self, key: ComponentKey) -> ComponentKey | None:
        found = self._holder_and_spelling(key)
        return found[1] if found else None

    def holder(self, key: ComponentKey) -> ComponentKey | None:
        """The component of this version that provides ``key``: itself or its container."""
        found = self._holder_and_spelling(key)
        return found[0] if found else None

    def contents(self, keys: Iterable[ComponentKey]) -> dict[ComponentKey, str]:
        """Content hashes of the components ``keys`` that this version holds."""
        found = tree.lookup_many(self._uow.metadata, self._root, keys)
        return {key: content for key, content in found.items() if content}

    def _spelling(self, key: ComponentKey) -> ComponentKey | None:
        name = folded(key)
        if name not in self._spelled:
            self._spelled[name] = tree.spelling(self._uow.metadata, self._root, key)
        return self._spelled[name]

    def _holder_and_spelling(self, key: ComponentKey) -> tuple[ComponentKey, ComponentKey] | None:
        found = self._spelling(key)
        if found is not None:
            return found, found
        for container in self._containers(key):
            provided = self._provided(container).get((key.type, key.name.lower()))
            if provided is not None:
                return container, provided
        return None

    @staticmethod
    def _prefixed_container(key: ComponentKey) -> ComponentKey | None:
        """The container named by a child's name (``Obj__c`` for ``Obj__c.Field__c``)."""
        container_type = _CONTAINER_OF.get(key.type)
        if container_type is None or container_type in _UNPREFIXED:
            return None
        return ComponentKey(container_type, key.name.split(".", 1)[0])

    def _containers(self, key: ComponentKey) -> list[ComponentKey]:
        """The components of this version that may hold ``key`` in their files."""
        container_type = _CONTAINER_OF.get(key.type)
        if container_type is None:
            return []
        if container_type in _UNPREFIXED:
            if self._label_files is None:
                index = component_index(self._uow, self._root, type_=container_type)
                self._label_files = sorted(index)
            return self._label_files
        parent = self._prefixed_container(key)
        spelled = self._spelling(parent) if parent else None
        return [spelled] if spelled else []

    def _provided(self, container: ComponentKey) -> dict[tuple[str, str], ComponentKey]:
        if container not in self._held:
            analysis = analyse(self._uow, self.contents([container])).get(container)
            provides = analysis.provides if analysis else set()
            self._held[container] = {(k.type, k.name.lower()): k for k in provides}
        return self._held[container]


def missing_dependencies(
    uow: UnitOfWork,
    *,
    deployed: Mapping[ComponentKey, str],
    deleted: Iterable[ComponentKey],
    before: OrgVersion,
    after_root: str,
    source_root: str | None,
    loaded: Iterable[Component] = (),
) -> list[Reference]:
    """References that a deployment would leave unsatisfied in the target.

    Deployed components must find what they reference in the resulting org (or, for candidate
    names, anywhere in the source); deleted components must not be used by what remains.
    The cost follows the deployment and the references it touches, not the org's size.
    ``loaded``: deployed components the caller already read.
    """
    graph = graph_of(uow, deployed, loaded)
    named = graph.named_by(deployed)
    after = VersionKeys(uow, after_root)
    after.prefetch(named)
    elsewhere = VersionKeys(uow, source_root) if source_root else None
    if elsewhere is not None:
        elsewhere.prefetch(named)
    broken = graph.missing(deployed, after, elsewhere or ())
    found = tree.lookup_many(uow.metadata, before.root, deleted)
    removed = {key: content for key, content in found.items() if content}
    if removed:
        target_graph = _deletion_graph(uow, before, removed)
        known = VersionKeys(uow, before.root)
        broken += graph.dangling_after_delete(removed, target_graph, known)
    return sorted(set(broken))


def _deletion_graph(
    uow: UnitOfWork, before: OrgVersion, removed: Mapping[ComponentKey, str]
) -> DependencyGraph:
    """The graph of what a deletion touches in the target: the deleted components, every
    user of them or of what they hold, and the children of deleted objects those users name
    (a deleted object takes its children with it)."""
    ensure_analysed(uow, before)
    graph = graph_of(uow, removed)
    names = {folded(held) for key in removed for held in graph.provided_by(key)}
    objects = {key.name.lower() for key in removed if key.type == "CustomObject"}
    users = analyse(uow, users_in(uow, before.root, names, objects))
    for key, analysis in users.items():
        graph.replace(key, analysis.references, analysis.provides)
    named_children = {
        option
        for analysis in users.values()
        for ref in analysis.references
        for option in options(ref)
        if (parent := parent_object(option)) is not None and parent.name.lower() in objects
    }
    keys = VersionKeys(uow, before.root)
    children = {exact for child in named_children if (exact := keys.get(child)) is not None}
    add_to_graph(uow, graph, keys.contents(children))
    return graph


@dataclass(frozen=True)
class Needed:
    """A dependency a change set lacks: the component to add (or the missing target), why,
    whether the source can supply it, and the managed package it belongs to, if any."""

    key: ComponentKey
    reference: Reference
    in_source: bool
    package: str | None = None


def change_set_dependencies(
    uow: UnitOfWork,
    *,
    source_root: str,
    selected: Iterable[ComponentKey],
    target_root: str | None,
    deleted: Iterable[ComponentKey] = (),
) -> list[Needed]:
    """What the selected components need that is neither selected nor in the target.

    The check is a validation's (``DependencyGraph.unsatisfied``) against the target without
    what the change set deletes; what the source has is added (a held child brings the
    file that holds it), transitively; references that exist nowhere are listed too, as not
    in the source, apart from the managed packages they need.
    """
    chosen = list(selected)
    source = VersionKeys(uow, source_root)
    target = Without(VersionKeys(uow, target_root), deleted) if target_root else KeyIndex()
    graph = graph_of(uow, source.contents(chosen))
    added, left = graph.complete(
        chosen,
        target=target,
        source=source,
        holder=source.holder,
        load=lambda keys: add_to_graph(uow, graph, source.contents(keys)),
    )
    needed = [Needed(key, ref, True) for key, ref in added]
    needed += [Needed(ref.target, ref, False) for ref in left.missing]
    needed += [
        Needed(ref.target, ref, False, package=namespace)
        for namespace, refs in sorted(left.packages.items())
        for ref in refs
    ]
    return needed


def where_used(ctx: Context, *, actor: Actor, org: str, key: ComponentKey) -> list[Reference]:
    """The references to ``key`` (or a child it holds) in ``ORG[@N]``, with file and line.

    The version is analysed once (what a first question finds missing is stored after it);
    then only the components that may name ``key`` are read."""
    with ctx.uow(read_only=True) as uow:
        ref = resolve_version(uow, actor, org)
        if VersionKeys(uow, ref.version.root).get(key) is None:
            raise NotFound(f"{ref.org.name} has no component {key}")
        analysed = uow.metadata.is_analysed(_cache_key(ref.version.root))
        if analysed:
            return _users_of_key(uow, ref.version.root, key)
        ensure_analysed(uow, ref.version)
    with ctx.uow(read_only=True) as uow:
        return _users_of_key(uow, resolve_version(uow, actor, org).version.root, key)


def _users_of_key(uow: UnitOfWork, root: str, key: ComponentKey) -> list[Reference]:
    """Where-used of ``key`` in an analysed tree, from the where-used index."""
    keys = VersionKeys(uow, root)
    exact = keys.get(key)
    if exact is None:
        raise NotFound(f"no component {key}")
    graph = graph_of(uow, keys.contents([exact]))
    names = {folded(held) for held in graph.provided_by(exact)}
    add_to_graph(uow, graph, users_in(uow, root, names))
    return graph.used_by(exact, known=keys)


def _encode(analysis: Analysis) -> dict[str, Any]:
    return {
        "refs": [
            [
                r.target.type,
                r.target.name,
                r.path,
                r.line,
                r.reason,
                r.candidate,
                [[k.type, k.name] for k in r.alternatives],
            ]
            for r in analysis.references
        ],
        "provides": sorted([k.type, k.name] for k in analysis.provides),
    }


def _decode(key: ComponentKey, data: Mapping[str, Any]) -> Analysis:
    return Analysis(
        references=[
            Reference(
                key,
                ComponentKey(t, n),
                path,
                line,
                reason,
                candidate,
                tuple(ComponentKey(*k) for k in alternatives),
            )
            for t, n, path, line, reason, candidate, alternatives in data["refs"]
        ],
        provides={ComponentKey(t, n) for t, n in data["provides"]},
    )


def change_set_needs(
    ctx: Context, *, actor: Actor, org: str, name: str, target: str | None = None
) -> list[Needed]:
    """What an outbound change set's components need that it lacks (and the target lacks)."""
    with ctx.uow(read_only=True) as uow:
        return _needs(uow, actor, org, name, target)


def _needs(uow: UnitOfWork, actor: Actor, org: str, name: str, target: str | None) -> list[Needed]:
    source = org_for(uow, actor, org)
    cs = find_change_set(uow, source, name)
    destination = head_version(uow, org_for(uow, actor, target)).root if target else None
    selected = [k for k, item in cs.items.items() if item.action is Action.UPSERT]
    deleted = [k for k, item in cs.items.items() if item.action is Action.DELETE]
    return change_set_dependencies(
        uow,
        source_root=head_version(uow, source).root,
        selected=selected,
        target_root=destination,
        deleted=deleted,
    )


def add_needed(
    ctx: Context, *, actor: Actor, org: str, name: str, target: str | None = None
) -> list[Needed]:
    """Add to an open change set every dependency its source can supply, transitively."""
    with ctx.uow() as uow:
        source = org_for(
            uow,
            actor,
            org,
            Permission.CREATE_UPLOAD_CHANGE_SETS,
            action=f"edit change sets in {org}",
        )
        cs = find_change_set(uow, source, name)
        cs.require_open("add dependencies to")
        needed = _needs(uow, actor, org, name, target)
        added = [n for n in needed if n.in_source and n.key not in cs.items]
        for n in added:
            cs.items[n.key] = Item(n.key)
        uow.change_sets.save(cs)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="change_set.dependencies_added",
            org=source,
            change_set=name,
            components=[str(n.key) for n in added],
        )
        uow.commit()
    return added
