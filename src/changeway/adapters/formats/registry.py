"""The metadata type registry: Salesforce type facts loaded from ``types.json``.

Each type has a layout that says how its files are arranged in source format:
``xml`` (one ``-meta.xml`` file), ``content`` (a content file and its ``-meta.xml``),
``bundle`` (a folder, e.g. LWC), ``mixed`` and ``experience`` (a ``-meta.xml`` with a content
file or folder), ``static_resource`` (mixed, zipped in Metadata API format), ``decomposed``
(a parent with child files), ``folder`` (report and similar folders), ``child`` (a child of a
decomposed or composite parent) and ``digital_experience``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from changeway.adapters.formats._customizations import customization_overrides
from changeway.adapters.formats._presets import overrides

UNKNOWN_LAYOUT = "generic"


@dataclass(frozen=True)
class MetadataType:
    """Facts about one metadata type."""

    name: str
    directory: str
    layout: str
    suffix: str | None = None
    parent: str | None = None
    element: str | None = None
    children: tuple[str, ...] = ()
    in_folder: str | None = None
    folder_of: str | None = None
    folder_type: str | None = None
    decomposition: str | None = None
    unique_id: str = "fullName"
    addressable: bool = True
    legacy_suffix: str | None = None
    full_name: str = "parent"
    root: str | None = None
    in_parent: bool = False
    """A child whose files belong to its parent component (no component of its own)."""
    transformer: str | None = None
    """A conversion of its own (an opt-in decomposition that is more than a child layout)."""

    @property
    def xml_root(self) -> str:
        """The root element of this type's files (its name unless the registry says otherwise)."""
        return self.root or self.name

    @property
    def group(self) -> str:
        """The XML element under which a child sits in its parent file."""
        return self.element or self.directory


class Registry:
    """Lookups by type name, file suffix and directory name."""

    def __init__(self, types: dict[str, MetadataType]) -> None:
        self.types = types
        self.by_suffix: dict[str, MetadataType] = {}
        self.by_directory: dict[str, list[MetadataType]] = {}
        self.folder_dirs: dict[str, MetadataType] = {}
        for item in types.values():
            self.by_directory.setdefault(item.directory, []).append(item)
            if item.suffix and item.layout != "child":
                self.by_suffix.setdefault(item.suffix, item)
        for item in types.values():
            if item.suffix and item.layout == "child":
                self.by_suffix.setdefault(item.suffix, item)
            if item.layout in {"bundle", "mixed", "static_resource", "experience", "decomposed"}:
                self.folder_dirs[item.directory] = item
            if item.layout == "digital_experience":
                self.folder_dirs[item.directory] = item

    def get(self, name: str) -> MetadataType | None:
        """The type called ``name``, or None for a type the registry does not know."""
        return self.types.get(name)

    def child_by_suffix(self, parent: MetadataType, suffix: str) -> MetadataType | None:
        """The child type of ``parent`` whose files end with ``.suffix-meta.xml``."""
        for name in parent.children:
            child = self.types[name]
            if suffix in (child.suffix, child.legacy_suffix):
                return child
        return None

    def child_by_group(self, parent: MetadataType, group: str) -> MetadataType | None:
        """The child type of ``parent`` stored under XML element ``group``."""
        for name in parent.children:
            if self.types[name].group == group:
                return self.types[name]
        return None


@cache
def _raw_types() -> dict[str, dict[str, object]]:
    raw = json.loads(resources.files(__package__).joinpath("types.json").read_text("utf-8"))
    return dict(raw["types"])


@cache
def _registry(options: frozenset[str], customizations: str) -> Registry:
    types = {}
    changes = overrides(options)
    for name, facts in customization_overrides(json.loads(customizations), _raw_types()).items():
        changes[name] = {**changes.get(name, {}), **facts}
    for name in [*_raw_types(), *(n for n in changes if n not in _raw_types())]:
        facts = {**_raw_types().get(name, {}), **changes.get(name, {})}
        facts["children"] = tuple(facts.get("children", ()))
        types[name] = MetadataType(name=name, **facts)
    return Registry(types)


def registry(
    options: Iterable[str] = (), customizations: Mapping[str, object] | None = None
) -> Registry:
    """The shipped registry with sourceBehaviorOptions and registryCustomizations applied."""
    return _registry(frozenset(options), json.dumps(customizations or {}, sort_keys=True))
