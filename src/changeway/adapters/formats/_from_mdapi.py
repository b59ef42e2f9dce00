"""Metadata API format -> source format, as ``sf project convert mdapi`` lays files out."""

from __future__ import annotations

import posixpath

from lxml import etree

from changeway.adapters.formats import _permset2, _plainxml, _resources, _safexml, _sdrxml, _zip
from changeway.adapters.formats._presets import PERMISSION_SET_BETA2
from changeway.adapters.formats._source import (
    META,
    Grouped,
    current_suffix,
    generic_type,
    unknown_type_warning,
)
from changeway.adapters.formats.limits import Budget, LimitExceeded
from changeway.adapters.formats.model import Problem
from changeway.adapters.formats.registry import MetadataType, Registry
from changeway.domain.components import Component
from changeway.domain.errors import InvalidMetadata

DEFAULT_ROOT = "force-app/main/default"


class _Builder:
    """Collects source-format files per component."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], dict[str, bytes]] = {}
        self.warnings: list[Problem] = []

    def add(self, type_name: str, name: str, path: str, data: bytes) -> None:
        self.files.setdefault((type_name, name), {})[f"{DEFAULT_ROOT}/{path}"] = data

    def components(self) -> list[Component]:
        return [Component(t, n, dict(sorted(f.items()))) for (t, n), f in self.files.items()]


def _parse(path: str, data: bytes) -> _sdrxml.Node:
    return _safexml.parse_sdr(data, path)


def _child_value(entry: _sdrxml.Node, unique_id: str, path: str) -> str:
    for key in (unique_id, "fullName", "name"):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return value
    raise InvalidMetadata(f"a child element has no {unique_id}", path=path)


_XMLNS = f' xmlns="{_sdrxml.NS_URL}"'


def _decompose(reg: Registry, mdtype: MetadataType, path: str, data: bytes, out: _Builder) -> None:
    """One file per child (field, list view...) and the parent's own file with the rest."""
    name = posixpath.basename(path).rpartition(".")[0]
    parts = _decomposed_plain(reg, mdtype, _safexml.check(data, path), data)
    if parts is None:
        parts = _decomposed_model(reg, mdtype, _parse(path, data), path)
    folder = f"{mdtype.directory}/{name}"
    children, own = parts
    for child, entry_name, xml in children:
        sub = f"{child.directory}/" if mdtype.decomposition == "folderPerType" else ""
        target = f"{folder}/{sub}{entry_name}.{child.suffix}{META}"
        if child.in_parent:
            out.add(mdtype.name, name, target, xml.encode())
        else:
            out.add(child.name, f"{name}.{entry_name}", target, xml.encode())
    out.add(mdtype.name, name, f"{folder}/{name}.{mdtype.suffix}{META}", own.encode())


Decomposed = tuple[list[tuple[MetadataType, str, str]], str]
"""The children's files (type, name, text) and the parent's own file."""


def _decomposed_model(
    reg: Registry, mdtype: MetadataType, document: _sdrxml.Node, path: str
) -> Decomposed:
    value = document.get(mdtype.name)
    body = value if isinstance(value, dict) else {}
    parent: _sdrxml.Node = {_sdrxml.NS_KEY: _sdrxml.NS_URL}
    children = []
    for key, item in body.items():
        child = reg.child_by_group(mdtype, key)
        if child is None:
            parent[key] = item
            continue
        for entry in item if isinstance(item, list) else [item]:
            if not isinstance(entry, dict):
                continue
            entry_name = _child_value(entry, child.unique_id, path)
            xml = _sdrxml.build({child.xml_root: {_sdrxml.NS_KEY: _sdrxml.NS_URL, **entry}})
            children.append((child, entry_name, xml))
    return children, _sdrxml.build({mdtype.name: parent})


def _decomposed_plain(
    reg: Registry, mdtype: MetadataType, root: etree._Element, data: bytes
) -> Decomposed | None:
    """The same split printed by lxml (``_plainxml``); None when the file is not plain."""
    namespace = _plainxml.plain_namespace(root, data)
    if namespace is None or root.tag != namespace + mdtype.name:
        return None
    groups: dict[str, MetadataType] = {}
    for name in mdtype.children:
        groups.setdefault(namespace + reg.types[name].group, reg.types[name])
    children = []
    taken = []
    for element in root:
        child = groups.get(element.tag)
        if child is None:
            continue
        entry_name = _plainxml.leaf_text(element, namespace, (child.unique_id, "fullName", "name"))
        printed = _plainxml.print_plain(element, child.xml_root, 0, _XMLNS)
        if printed is None or not entry_name:
            return None
        children.append((child, entry_name, _sdrxml.finish(printed)))
        taken.append(element)
    for element in taken:
        root.remove(element)
    own = _plainxml.print_plain(root, mdtype.name, 0, _XMLNS)
    if own is None and not len(root) and _plainxml.blank(root.text):
        own = _sdrxml.Printed(f"<{mdtype.name}{_XMLNS}></{mdtype.name}>\n")
    return None if own is None else (children, _sdrxml.finish(own))


def _static_resource(
    path: str, data: bytes, files: dict[str, bytes], out: _Builder, budget: Budget
) -> None:
    """A static resource keeps its content as it is: an archive is checked (and what it would
    expand to charged to ``budget``) but never expanded here; ``write_source`` expands it."""
    name = posixpath.basename(path).rpartition(".")[0]
    meta_path = path + META
    meta = files.get(meta_path)
    if meta is None:
        raise InvalidMetadata("a static resource needs its .resource-meta.xml", path=path)
    kind = _resources.content_type(meta_path, meta)
    if kind in _resources.ARCHIVE_TYPES:
        _zip.verify(data, path, budget)
    folder = posixpath.dirname(path)
    out.add("StaticResource", name, f"{folder}/{name}.{_resources.extension(kind)}", data)


def _folder_type(reg: Registry, types: list[MetadataType]) -> MetadataType | None:
    return next((t for t in types if t.folder_of), None)


def _place(
    reg: Registry, path: str, data: bytes, files: dict[str, bytes], out: _Builder, budget: Budget
) -> bool:
    """Add one Metadata API file to ``out``; False when it is not metadata."""
    parts = path.split("/")
    types = reg.by_directory.get(parts[0], [])
    if len(parts) < 2:
        return False
    main = next((t for t in types if t.layout not in {"child", "folder"}), None)
    if main is not None and main.layout in {"bundle", "experience", "digital_experience"}:
        if len(parts) == 2:
            base = parts[1].split(".")[0]
            out.add(main.name, base, path, data)
        else:
            name = "/".join(parts[1:3]) if main.layout == "digital_experience" else parts[1]
            out.add(main.name, name, path, data)
        return True
    if main is not None and main.transformer == PERMISSION_SET_BETA2 and len(parts) == 2:
        name = parts[1].rpartition(".")[0]
        value = _parse(path, data).get(main.name)
        body = value if isinstance(value, dict) else {}
        for rel, content in _permset2.split(reg, main, name, body).items():
            out.add(main.name, name, f"{main.directory}/{name}/{rel}", content)
        return True
    own_file = (
        main is not None
        and len(parts) == 2
        and parts[1].endswith((f".{main.suffix}", f".{main.suffix}{META}"))
    )
    if main is not None and main.layout == "decomposed" and own_file:
        _decompose(reg, main, path, data, out)
        return True
    if main is not None and main.layout == "static_resource" and own_file:
        if not path.endswith(META):
            _static_resource(path, data, files, out, budget)
        else:
            out.add("StaticResource", parts[1].split(".")[0], path, data)
        return True
    folder = _folder_type(reg, types)
    stem = parts[-1][: -len(META)] if parts[-1].endswith(META) else parts[-1]
    if folder is not None and parts[-1].endswith(META) and "." not in stem:
        name = "/".join([*parts[1:-1], stem])
        out.add(folder.name, name, "/".join([*parts[:-1], f"{stem}.{folder.suffix}{META}"]), data)
        return True
    base, _, suffix = stem.rpartition(".")
    mdtype = next(
        (t for t in types if suffix in (t.suffix, t.legacy_suffix) and t.layout != "child"), None
    )
    if mdtype is None and main is not None and main.name == "Document":
        mdtype = main
    if mdtype is None and main is not None and main.folder_type == main.name:
        mdtype = reg.by_suffix.get(suffix)
        if mdtype is not None and mdtype.folder_type == main.name and len(parts) > 2:
            out.add(
                mdtype.name, f"{parts[1]}.{base}" if mdtype != main else base, path + META, data
            )
            return True
    if mdtype is None:
        return _generic(reg, path, data, out)
    name = "/".join([*parts[1:-1], base]) if mdtype.in_folder else base
    name = mdtype.name if mdtype.fixed_name else name
    if mdtype.name == "Document" and parts[-1].endswith(META):
        target = "/".join([*parts[:-1], f"{base}.{mdtype.suffix}{META}"])
    elif mdtype.layout in {"content", "mixed"} or parts[-1].endswith(META):
        target = path
    else:
        target = path + META
    out.add(mdtype.name, name, current_suffix(mdtype, target), data)
    return True


def _generic(reg: Registry, path: str, data: bytes, out: _Builder) -> bool:
    """Unknown types: an XML file's root element names its type; its path gains ``-meta.xml``."""
    if not data.lstrip().startswith(b"<"):
        return False
    type_name = generic_type(reg, path, data)
    stem = posixpath.basename(path)
    out.add(type_name, stem.rpartition(".")[0] or stem, path + META, data)
    out.warnings.append(unknown_type_warning(path, type_name))
    return True


def from_mdapi(reg: Registry, files: dict[str, bytes], budget: Budget) -> Grouped:
    """Source-format components of Metadata API ``files`` (manifests excluded), skipped paths,
    every file that cannot be placed, and warnings."""
    out = _Builder()
    result = Grouped()
    for path, data in files.items():
        try:
            placed = _place(reg, path, data, files, out, budget)
        except LimitExceeded:
            raise
        except InvalidMetadata as error:
            result.problems.append(error)
            continue
        if not placed:
            result.skipped.append(path)
    labels = [(k, v) for k, v in out.files.items() if k[0] == "CustomLabels"]
    split = reg.types["CustomLabel"].layout == "label"
    for key, label_files in labels:
        if split:
            del out.files[key]
            for path, data in label_files.items():
                _split_labels(path, data, out)
        else:
            out.files[key] = {p: _rebuild_labels(p, d) for p, d in label_files.items()}
    result.components = out.components()
    result.skipped.sort()
    result.warnings = out.warnings
    return result


def _split_labels(path: str, data: bytes, out: _Builder) -> None:
    """One ``labels/NAME.label-meta.xml`` per label (``decomposeCustomLabelsBeta2``)."""
    value = _parse(path, data).get("CustomLabels")
    labels = value.get("labels", []) if isinstance(value, dict) else []
    folder = posixpath.dirname(path.removeprefix(DEFAULT_ROOT + "/"))
    for entry in labels if isinstance(labels, list) else [labels]:
        if isinstance(entry, dict):
            name = _child_value(entry, "fullName", path)
            xml = _sdrxml.build({"CustomLabel": entry}).encode()
            out.add("CustomLabel", name, f"{folder}/{name}.label{META}", xml)


def _rebuild_labels(path: str, data: bytes) -> bytes:
    """Labels files are re-printed by Salesforce's tool, starting from an empty parent."""
    value = _parse(path, data).get("CustomLabels")
    labels = value.get("labels", []) if isinstance(value, dict) else []
    body: _sdrxml.Node = {_sdrxml.NS_KEY: _sdrxml.NS_URL, "labels": labels}
    return _sdrxml.build({"CustomLabels": body}).encode()
