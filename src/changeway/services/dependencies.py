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
from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import DependencyGraph, KeyIndex, Reference, Without
from changeway.domain.errors import NotFound
from changeway.domain.permissions import Actor, Permission
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


@dataclass(frozen=True)
class Analysis:
    """What one component references, and which keys it provides (itself, held children)."""

    references: list[Reference]
    provides: set[ComponentKey]


def analyse(uow: UnitOfWork, index: Mapping[ComponentKey, str]) -> dict[ComponentKey, Analysis]:
    """The analysis of each component (key -> content hash), from the cache or computed.

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
    for component in load_components(uow, todo):
        analysis = Analysis(
            extractors.extract_references(component), extractors.provided_keys(component)
        )
        out[component.key] = analysis
        fresh[(wanted[component.key], component.key)] = _encode(analysis)
    uow.metadata.put_analyses(fresh)
    return out


def _cache_key(content: str) -> str:
    """Where the analysis of ``content`` is cached, for the current extractors."""
    return hashlib.sha256(f"{extractors.VERSION}:{content}".encode()).hexdigest()


def graph_of(uow: UnitOfWork, index: Mapping[ComponentKey, str]) -> DependencyGraph:
    """The dependency graph of the components in ``index``."""
    graph = DependencyGraph()
    add_to_graph(uow, graph, index)
    return graph


def add_to_graph(
    uow: UnitOfWork, graph: DependencyGraph, index: Mapping[ComponentKey, str]
) -> None:
    """Put the analyses of the components in ``index`` into ``graph``."""
    for key, analysis in analyse(uow, index).items():
        graph.replace(key, analysis.references, analysis.provides)


class VersionKeys:
    """The keys that exist in one org version, looked up in its tree (case-insensitively),
    including children held in container files. Cost follows the lookups, not the org:
    a child's container is found from the child's name (``Obj__c.Field__c`` is held by
    ``Obj__c``), except labels, which any label file of the org may hold."""

    def __init__(self, uow: UnitOfWork, root: str) -> None:
        self._uow = uow
        self._root = root
        self._held: dict[ComponentKey, dict[tuple[str, str], ComponentKey]] = {}
        self._label_files: list[ComponentKey] | None = None

    def get(self, key: ComponentKey) -> ComponentKey | None:
        found = self._holder_and_spelling(key)
        return found[1] if found else None

    def holder(self, key: ComponentKey) -> ComponentKey | None:
        """The component of this version that provides ``key``: itself or its container."""
        found = self._holder_and_spelling(key)
        return found[0] if found else None

    def contents(self, keys: Iterable[ComponentKey]) -> dict[ComponentKey, str]:
        """Content hashes of the components ``keys`` that this version holds."""
        found = {key: tree.lookup(self._uow.metadata, self._root, key) for key in keys}
        return {key: content for key, content in found.items() if content}

    def _holder_and_spelling(self, key: ComponentKey) -> tuple[ComponentKey, ComponentKey] | None:
        found = tree.spelling(self._uow.metadata, self._root, key)
        if found is not None:
            return found, found
        for container in self._containers(key):
            provided = self._provided(container).get((key.type, key.name.lower()))
            if provided is not None:
                return container, provided
        return None

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
        parent = ComponentKey(container_type, key.name.split(".", 1)[0])
        spelled = tree.spelling(self._uow.metadata, self._root, parent)
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
    before_root: str,
    after_root: str,
    source_root: str | None,
) -> list[Reference]:
    """References that a deployment would leave unsatisfied in the target.

    Deployed components must find what they reference in the resulting org (or, for candidate
    names, anywhere in the source); deleted components must not be used by what remains.
    """
    graph = graph_of(uow, deployed)
    elsewhere = VersionKeys(uow, source_root) if source_root else ()
    broken = graph.missing(deployed, VersionKeys(uow, after_root), elsewhere)
    removed = [k for k in deleted if tree.lookup(uow.metadata, before_root, k)]
    if removed:
        target_graph = graph_of(uow, component_index(uow, before_root))
        broken += graph.dangling_after_delete(removed, target_graph)
    return sorted(set(broken))


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
    """The references to ``key`` (or a child it holds) in ``ORG[@N]``, with file and line."""
    with ctx.uow(read_only=True) as uow:
        ref = resolve_version(uow, actor, org)
        exact = VersionKeys(uow, ref.version.root).get(key)
        if exact is None:
            raise NotFound(f"{ref.org.name} has no component {key}")
        return graph_of(uow, component_index(uow, ref.version.root)).used_by(exact)


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
