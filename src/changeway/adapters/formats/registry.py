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
from dataclasses import dataclass
from functools import cache
from importlib import resources

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
def registry() -> Registry:
    """The registry shipped with changeway."""
    raw = json.loads(resources.files(__package__).joinpath("types.json").read_text("utf-8"))
    types = {}
    for name, facts in raw["types"].items():
        facts = dict(facts)
        facts["children"] = tuple(facts.get("children", ()))
        types[name] = MetadataType(name=name, **facts)
    return Registry(types)
