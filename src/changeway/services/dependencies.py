"""Dependency analysis on org versions: where-used, change set dependencies, and the
missing-dependency check of validations and deployments (SPEC §4, §5).

References are extracted once per component content and cached in the store, so analysing
a version re-reads only components whose content was never analysed (incremental).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from changeway.adapters.references import CHILD_SECTIONS, extract_references, provided_keys
from changeway.domain import tree
from changeway.domain.changesets import Action, Item
from changeway.domain.clock import Clock
from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import DependencyGraph, Reference, either
from changeway.domain.errors import NotFound
from changeway.services.audit import record
from changeway.services.changesets import get_change_set
from changeway.services.lookup import resolve_org
from changeway.services.ports import UnitOfWork
from changeway.services.versions import (
    component_index,
    head_version,
    load_components,
    resolve_version,
)

#: Child type -> the container type whose files hold it (labels, workflow actions, ...).
_CONTAINER_OF = {
    child: parent for parent, kids in CHILD_SECTIONS.items() for child in kids.values()
}


@dataclass(frozen=True)
class Analysis:
    """What one component references, and which keys it provides (itself, held children)."""

    references: list[Reference]
    provides: set[ComponentKey]


def analyse(uow: UnitOfWork, index: Mapping[ComponentKey, str]) -> dict[ComponentKey, Analysis]:
    """The analysis of each component (key -> content hash), from the cache or computed."""
    wanted = [(content, key) for key, content in index.items()]
    cached = uow.metadata.get_analyses(wanted)
    out = {
        key: _decode(key, cached[(content, key)])
        for content, key in wanted
        if (content, key) in cached
    }
    todo = {key: content for content, key in wanted if (content, key) not in cached}
    fresh: dict[tuple[str, ComponentKey], Any] = {}
    for component in load_components(uow, todo):
        analysis = Analysis(extract_references(component), provided_keys(component))
        out[component.key] = analysis
        fresh[(todo[component.key], component.key)] = _encode(analysis)
    uow.metadata.put_analyses(fresh)
    return out


def graph_of(uow: UnitOfWork, index: Mapping[ComponentKey, str]) -> DependencyGraph:
    """The dependency graph of the components in ``index``."""
    graph = DependencyGraph()
    for key, analysis in analyse(uow, index).items():
        graph.replace(key, analysis.references, analysis.provides)
    return graph


class VersionKeys:
    """The keys that exist in one org version, looked up in its tree (case-insensitively),
    including children held in container files. Cost follows the lookups, not the org."""

    def __init__(self, uow: UnitOfWork, root: str) -> None:
        self._uow = uow
        self._root = root
        self._containers: dict[str, dict[str, ComponentKey]] = {}

    def get(self, key: ComponentKey) -> ComponentKey | None:
        found = tree.spelling(self._uow.metadata, self._root, key)
        if found is not None or key.type not in _CONTAINER_OF:
            return found
        return self._held(_CONTAINER_OF[key.type]).get(f"{key.type}:{key.name.lower()}")

    def _held(self, container_type: str) -> dict[str, ComponentKey]:
        if container_type not in self._containers:
            index = component_index(self._uow, self._root, type_=container_type)
            held: dict[str, ComponentKey] = {}
            for analysis in analyse(self._uow, index).values():
                for k in analysis.provides:
                    held.setdefault(f"{k.type}:{k.name.lower()}", k)
            self._containers[container_type] = held
        return self._containers[container_type]


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
    """A dependency a change set lacks: the key, why, and whether the source can supply it."""

    key: ComponentKey
    reference: Reference
    in_source: bool


def change_set_dependencies(
    uow: UnitOfWork,
    *,
    source_root: str,
    selected: Iterable[ComponentKey],
    target_root: str | None,
) -> list[Needed]:
    """What the selected components need that is neither selected nor in the target.

    Dependencies found in the source are followed transitively (adding them would bring
    their own needs); references that exist nowhere are listed too, as not in the source.
    """
    chosen = list(selected)
    source = VersionKeys(uow, source_root)
    target: VersionKeys | tuple[()] = VersionKeys(uow, target_root) if target_root else ()
    index = component_index(uow, source_root)
    graph = graph_of(uow, index)
    needed = [Needed(key, ref, True) for key, ref in graph.closure_to_add(chosen, source, target)]
    have = {*chosen, *(n.key for n in needed)}
    absent = graph.missing(have, either(source, target), source)
    needed += [Needed(ref.target, ref, False) for ref in absent]
    return needed


def where_used(uow: UnitOfWork, *, org: str, key: ComponentKey) -> list[Reference]:
    """The references to ``key`` (or a child it holds) in ``ORG[@N]``, with file and line."""
    ref = resolve_version(uow, org)
    exact = VersionKeys(uow, ref.version.root).get(key)
    if exact is None:
        raise NotFound(f"{ref.org.name} has no component {key}")
    return graph_of(uow, component_index(uow, ref.version.root)).used_by(exact)


def _encode(analysis: Analysis) -> dict[str, Any]:
    return {
        "refs": [
            [r.target.type, r.target.name, r.path, r.line, r.reason, r.candidate]
            for r in analysis.references
        ],
        "provides": sorted([k.type, k.name] for k in analysis.provides),
    }


def _decode(key: ComponentKey, data: Mapping[str, Any]) -> Analysis:
    return Analysis(
        references=[
            Reference(key, ComponentKey(t, n), path, line, reason, candidate)
            for t, n, path, line, reason, candidate in data["refs"]
        ],
        provides={ComponentKey(t, n) for t, n in data["provides"]},
    )


def change_set_needs(
    uow: UnitOfWork, *, org: str, name: str, target: str | None = None
) -> list[Needed]:
    """What an outbound change set's components need that it lacks (and the target lacks)."""
    source = resolve_org(uow, org)
    cs = get_change_set(uow, org=org, name=name)
    destination = head_version(uow, resolve_org(uow, target)).root if target else None
    selected = [k for k, item in cs.items.items() if item.action is Action.UPSERT]
    return change_set_dependencies(
        uow,
        source_root=head_version(uow, source).root,
        selected=selected,
        target_root=destination,
    )


def add_needed(
    uow: UnitOfWork, *, clock: Clock, actor: str, org: str, name: str, target: str | None = None
) -> list[Needed]:
    """Add to an open change set every dependency its source can supply, transitively."""
    source = resolve_org(uow, org)
    cs = get_change_set(uow, org=org, name=name)
    cs.require_open("add dependencies to")
    needed = change_set_needs(uow, org=org, name=name, target=target)
    added = [n for n in needed if n.in_source and n.key not in cs.items]
    for n in added:
        cs.items[n.key] = Item(n.key)
    uow.change_sets.save(cs)
    record(
        uow,
        at=clock.now(),
        actor=actor,
        action="change_set.dependencies_added",
        org=source,
        change_set=name,
        components=[str(n.key) for n in added],
    )
    uow.commit()
    return added
