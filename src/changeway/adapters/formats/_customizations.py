"""``registryCustomizations`` in sfdx-project.json, turned into registry overrides.

The block has the shape of Salesforce's own registry (types keyed by id, SDR field names). Like
Salesforce, a customized type replaces the type of the same name; its children become the
type's only children. Decomposed parents and their children are supported; other strategies
are ignored (the type keeps its default layout).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Overrides = dict[str, dict[str, Any]]


def _child(
    parent: str, raw: Mapping[str, Any], known: Mapping[str, Mapping[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """Our name and facts for one child type (prefixed by its parent if the name is taken)."""
    root = str(raw["name"])
    existing = known.get(root)
    name = root if existing is None or existing.get("parent") == parent else parent + root
    addressable = bool(raw.get("isAddressable", True))
    facts: dict[str, Any] = {
        "suffix": raw["suffix"],
        "directory": raw.get("directoryName") or "",
        "layout": "child",
        "parent": parent,
        "element": raw.get("xmlElementName"),
        "unique_id": raw.get("uniqueIdElement", "fullName"),
        "addressable": addressable,
        "root": root,
        "in_parent": not addressable,
    }
    return name, facts


def _decomposed(raw: Mapping[str, Any], known: Mapping[str, Mapping[str, Any]]) -> Overrides:
    name = str(raw["name"])
    children = dict(
        _child(name, child, known)
        for child in (raw.get("children") or {}).get("types", {}).values()
        if isinstance(child, Mapping)
        and isinstance(child.get("name"), str)
        and isinstance(child.get("suffix"), str)
    )
    parent = {
        "directory": raw["directoryName"],
        "suffix": raw["suffix"],
        "layout": "decomposed",
        "decomposition": raw["strategies"].get("decomposition", "folderPerType"),
        "strict": bool(raw.get("strictDirectoryName", True)),
        "children": list(children),
    }
    return {name: parent, **children}


def customization_overrides(
    block: Mapping[str, Any], known: Mapping[str, Mapping[str, Any]]
) -> Overrides:
    """Overrides for the decomposed types of a ``registryCustomizations`` block."""
    merged: Overrides = {}
    for raw in (block.get("types") or {}).values():
        if not isinstance(raw, Mapping) or not isinstance(raw.get("strategies"), Mapping):
            continue
        if raw["strategies"].get("adapter") != "decomposed":
            continue
        if not all(isinstance(raw.get(key), str) for key in ("name", "directoryName", "suffix")):
            continue
        for name, facts in _decomposed(raw, known).items():
            merged.setdefault(name, {}).update(facts)
    return merged
