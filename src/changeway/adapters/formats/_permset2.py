"""``decomposePermissionSetBeta2``: a permission set as one file per object plus one per kind.

Object, field, record type and tab permissions of one object (or tab) share
``NAME/objectSettings/OBJECT.objectSettings-meta.xml``; every other kind of permission lives in
``NAME/NAME.<kind>-meta.xml``; what remains stays in ``NAME/NAME.permissionset-meta.xml``. The
split files are ``<PermissionSet>`` fragments without namespace, and all of them stay in the
one ``PermissionSet`` component. Going back, Salesforce concatenates the fragments in file order
(the parent's own elements last), each element group placed where it first appears.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from changeway.adapters.formats import _safexml, _sdrxml
from changeway.adapters.formats.registry import MetadataType, Registry

META = "-meta.xml"
OBJECT_SETTINGS = "objectSettings"
Entry = str | _sdrxml.Node


def _entries(value: _sdrxml.Value) -> list[Entry]:
    return value if isinstance(value, list) else [value]


def _object_of(entry: Entry, unique_id: str) -> str:
    """The object (or tab) an object-level permission is about: ``standard-Account`` -> Account."""
    value = entry.get(unique_id) if isinstance(entry, dict) else None
    name = value.split(".")[0] if isinstance(value, str) else ""
    return name.removeprefix("standard-")


def _fragment(sections: Mapping[str, _sdrxml.Value]) -> bytes:
    return _sdrxml.build({"PermissionSet": dict(sections)}).encode()


def split(reg: Registry, mdtype: MetadataType, name: str, body: _sdrxml.Node) -> dict[str, bytes]:
    """Source files (relative to the permission set's folder) of a whole permission set."""
    parent: _sdrxml.Node = {_sdrxml.NS_KEY: _sdrxml.NS_URL}
    kinds: dict[str, bytes] = {}
    objects: dict[str, dict[str, list[Entry]]] = {}
    for key, value in body.items():
        child = reg.child_by_group(mdtype, key) if key != _sdrxml.NS_KEY else None
        if child is None:
            if key != _sdrxml.NS_KEY:
                parent[key] = value
        elif child.directory == OBJECT_SETTINGS:
            for entry in _entries(value):
                group = objects.setdefault(_object_of(entry, child.unique_id), {})
                group.setdefault(key, []).append(entry)
        else:
            kinds[f"{name}.{child.suffix}{META}"] = _fragment({key: value})
    files = {f"{name}.{mdtype.suffix}{META}": _sdrxml.build({mdtype.name: parent}).encode()}
    files.update(kinds)
    for target, sections in objects.items():
        single: dict[str, _sdrxml.Value] = {
            k: v[0] if len(v) == 1 else v for k, v in sections.items()
        }
        files[f"{OBJECT_SETTINGS}/{target}.{OBJECT_SETTINGS}{META}"] = _fragment(single)
    return files


def merge(mdtype: MetadataType, name: str, files: Mapping[str, bytes]) -> bytes:
    """The Metadata API file of a permission set from its source fragments."""
    own = f"{name}.{mdtype.suffix}{META}"
    merged: dict[str, list[Entry]] = {}
    # Salesforce reads the folder's files in sorted order and its own file last.
    for path in sorted(files, key=lambda p: (posixpath.basename(p) == own, p)):
        value = _safexml.parse_sdr(files[path], path).get("PermissionSet")
        for key, item in (value if isinstance(value, dict) else {}).items():
            if key != _sdrxml.NS_KEY:
                merged.setdefault(key, []).extend(_entries(item))
    body: _sdrxml.Node = {_sdrxml.NS_KEY: _sdrxml.NS_URL}
    body.update({key: items[0] if len(items) == 1 else items for key, items in merged.items()})
    return _sdrxml.build({"PermissionSet": body}).encode()
