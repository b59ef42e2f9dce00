"""The metadata type registry: Salesforce type facts loaded from ``types.json``.

``types.json`` is generated from Salesforce's own registry (``_sdr_registry``,
``scripts/generate-types``) and covers every type Salesforce's converter knows.

Each type has a layout that says how its files are arranged in source format:
``xml`` (one ``-meta.xml`` file), ``content`` (a content file and its ``-meta.xml``),
``bundle`` (a folder, e.g. LWC), ``mixed`` and ``experience`` (a ``-meta.xml`` with a content
file or folder), ``static_resource`` (mixed, zipped in Metadata API format), ``decomposed``
(a parent with child files), ``folder`` (report and similar folders), ``child`` (a child of a
decomposed or composite parent) and ``digital_experience``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

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
    strict: bool = False
    """Files of this type are recognised by their type folder first (Salesforce's strict
    directory types: bundles, objects, static resources, sites...)."""
    alias_for: str | None = None
    meta_file: str | None = None
    """The file holding a bundle's metadata when it is not a ``-meta.xml`` (``schema.json``)."""
    fixed_name: bool = False
    """Every file of the type is the one component named after the type (``CustomLabels``:
    Salesforce merges all labels files into ``CustomLabels.labels``)."""

    @property
    def xml_root(self) -> str:
        """The root element of this type's files (its name unless the registry says otherwise)."""
        return self.root or self.name

    def root_for(self, full_name: str) -> str:
        """The root element a file of component ``full_name`` must have (settings files are
        rooted in their own name: ``Account`` holds ``<AccountSettings>``)."""
        return self.xml_root.replace("{name}", full_name.rpartition("/")[2])

    @property
    def group(self) -> str:
        """The XML element under which a child sits in its parent file."""
        return self.element or self.directory


class Registry:
    """Lookups by type name, file suffix and directory name."""

    def __init__(
        self,
        types: dict[str, MetadataType],
        suffixes: Mapping[str, str] | None = None,
        strict: Sequence[str] = (),
        changed: Sequence[str] = (),
    ) -> None:
        self.types = types
        # Salesforce's suffix table decides between types sharing a suffix; types an option or
        # a project customization changed take their suffix over.
        self.by_suffix: dict[str, MetadataType] = {
            suffix: types[name] for suffix, name in (suffixes or {}).items() if name in types
        }
        for name in changed:
            item = types.get(name)
            if item is not None and item.suffix and item.layout != "child":
                self.by_suffix[item.suffix] = item
        order = [*strict, *(name for name in changed if name not in strict)]
        self.strict = [types[name] for name in order if name in types and types[name].strict]
        """Types found by their folder first, in Salesforce's order (option types last)."""
        self.strict_by_directory: dict[str, list[tuple[int, MetadataType, tuple[str, ...]]]] = {}
        """Strict types by folder: their place in Salesforce's order, and the file endings
        (their own suffixes and their children's) that make a file theirs."""
        for index, item in enumerate(self.strict):
            endings = tuple(
                end
                for owner in (item, *(types[c] for c in item.children))
                for suffix in (owner.suffix, owner.legacy_suffix)
                if suffix
                for end in (suffix, f"{suffix}-meta.xml")
            )
            self.strict_by_directory.setdefault(item.directory, []).append((index, item, endings))
        self.folder_types = [t for t in types.values() if t.folder_of and not t.alias_for]
        """Report, dashboard, document and email folders (their own file is ``NAME-meta.xml``)."""
        self.by_directory: dict[str, list[MetadataType]] = {}
        for item in types.values():
            self.by_directory.setdefault(item.directory, []).append(item)
            if item.suffix and item.layout != "child":
                self.by_suffix.setdefault(item.suffix, item)
        for item in types.values():
            if item.suffix and item.layout == "child":
                self.by_suffix.setdefault(item.suffix, item)

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
def _shipped() -> dict[str, Any]:
    return dict(json.loads(resources.files(__package__).joinpath("types.json").read_text("utf-8")))


def _raw_types() -> dict[str, dict[str, object]]:
    return dict(_shipped()["types"])


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
    shipped = _shipped()
    return Registry(types, shipped["suffixes"], shipped["strict_directories"], list(changes))


def registry(
    options: Iterable[str] = (), customizations: Mapping[str, object] | None = None
) -> Registry:
    """The shipped registry with sourceBehaviorOptions and registryCustomizations applied."""
    if not options and not customizations:
        return _registry(_NONE, "{}")  # the common case, asked for once per component
    return _registry(frozenset(options), json.dumps(customizations or {}, sort_keys=True))


_NONE: frozenset[str] = frozenset()
