"""Source format -> Metadata API format, file for file as Salesforce's converter does it."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from changeway.adapters.formats import _permset2, _plainxml, _safexml, _sdrxml, _zip
from changeway.adapters.formats._collation import collation_key
from changeway.adapters.formats._presets import PERMISSION_SET_BETA2
from changeway.adapters.formats._source import META, current_suffix
from changeway.adapters.formats.registry import MetadataType, Registry
from changeway.domain.components import Component, ComponentKey

SLASHED_FOLDERS = frozenset({"DashboardFolder", "ReportFolder"})


def _trim_until_last(path: str, directory: str) -> str:
    parts = path.split("/")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] == directory:
            return "/".join(parts[index:])
    return path


def _flat(mdtype: MetadataType, path: str) -> str:
    return f"{mdtype.directory}/{posixpath.basename(path)}"


def _strip_meta(path: str) -> str:
    return path[: -len(META)] if path.endswith(META) else path


def _parsed(path: str, data: bytes) -> _sdrxml.Node:
    return _safexml.parse_sdr(data, path)


Entry = tuple[str, "_sdrxml.Node | _sdrxml.Printed"]
"""A child merged into its parent's file: its unique name and its content."""


def _entry(path: str, data: bytes, root_name: str, group: str, unique_id: str) -> Entry:
    """The child in file ``path`` (root element ``root_name``) as an element ``group`` of its
    parent's file, printed by lxml when the file is plain (``_plainxml``)."""
    root = _safexml.check(data, path)
    namespace = _plainxml.plain_namespace(root, data)
    if namespace is not None and root.tag == namespace + root_name:
        name = _plainxml.leaf_text(root, namespace, (unique_id, "fullName", "name"))
        printed = _plainxml.print_plain(root, group, 1)
        if printed is not None:
            return name, printed
    content = _body(_safexml.model(root, data, path), root_name)
    return _unique_value(content, unique_id), content


def _body(document: _sdrxml.Node, type_name: str) -> _sdrxml.Node:
    """The content of the root element, without its default namespace."""
    value = document.get(type_name)
    node = value if isinstance(value, dict) else {}
    return {key: item for key, item in node.items() if key != _sdrxml.NS_KEY}


def _simple_files(reg: Registry, mdtype: MetadataType, component: Component) -> dict[str, bytes]:
    """Files of types that are copied, only their paths changing."""
    out: dict[str, bytes] = {}
    layout = mdtype.layout
    directory = mdtype.directory
    if mdtype.folder_type:  # territory models keep their children in the model's folder
        directory = reg.types[mdtype.folder_type].directory
    keep_tree = layout in {"bundle", "experience", "digital_experience"} or bool(
        mdtype.in_folder or mdtype.folder_of or mdtype.folder_type
    )
    has_content = any(not p.endswith(META) for p in component.files)
    for path, data in component.files.items():
        target = _trim_until_last(path, directory) if keep_tree else _flat(mdtype, path)
        if path.endswith(META):
            if mdtype.folder_of:
                target = target.replace(f".{mdtype.suffix}", "", 1)
            elif mdtype.name == "Document":
                content = next(p for p in component.files if not p.endswith(META))
                ext = posixpath.basename(content).rpartition(".")[2]
                target = target[: -len(f".{mdtype.suffix}{META}")] + f".{ext}{META}"
            elif not has_content and layout not in ("bundle", "digital_experience"):
                target = _strip_meta(target)
        out[current_suffix(mdtype, target)] = data
    return out


def _generic_files(component: Component) -> dict[str, bytes]:
    """Types the registry does not know keep their folder and file name (minus ``-meta.xml``)."""
    out = {}
    for path, data in component.files.items():
        parts = path.split("/")
        folder = parts[-2] if len(parts) > 1 else ""
        out[posixpath.join(folder, _strip_meta(parts[-1]))] = data
    return out


def _static_resource(mdtype: MetadataType, component: Component) -> dict[str, bytes]:
    metas = [p for p in component.files if p.endswith(META)]
    out = {_flat(mdtype, p): component.files[p] for p in metas}
    contents = [p for p in component.files if not p.endswith(META)]
    if not contents:
        return out
    base = metas[0][: -len(f".{mdtype.suffix}{META}")] if metas else contents[0]
    target = f"{mdtype.directory}/{component.name}.{mdtype.suffix}"
    if len(contents) == 1 and contents[0].rpartition(".")[0] == base:
        out[target] = component.files[contents[0]]
    else:
        folder = base + "/"
        members = {p[len(folder) :]: component.files[p] for p in contents}
        out[target] = _zip.pack(members)
    return out


class _Recomposer:
    """Merges decomposed children back into their parent's file."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg
        self.parents: dict[tuple[str, str], Component | None] = {}
        self.children: dict[tuple[str, str], list[Component]] = {}

    def add(self, mdtype: MetadataType, component: Component) -> None:
        if mdtype.layout == "decomposed":
            self.parents[(mdtype.name, component.name)] = component
            self.children.setdefault((mdtype.name, component.name), [])
        else:
            assert mdtype.parent is not None
            key = (mdtype.parent, component.name.split(".", 1)[0])
            self.parents.setdefault(key, None)
            self.children.setdefault(key, []).append(component)

    def files(self) -> dict[str, bytes]:
        out = {}
        for (type_name, name), parent in self.parents.items():
            mdtype = self.reg.types[type_name]
            body: _sdrxml.Node = {_sdrxml.NS_KEY: _sdrxml.NS_URL}
            groups: dict[str, list[Entry]] = {}
            child_files = [
                (self.reg.types[child.type], path, data)
                for child in self.children[(type_name, name)]
                for path, data in child.files.items()
            ]
            if parent is not None:
                own_file_seen = False
                for path, data in parent.files.items():
                    own = self._own_child(mdtype, name, path)
                    if own is not None:
                        child_files.append((own, path, data))
                    elif not own_file_seen:
                        # Split over package directories: the first package's file counts.
                        own_file_seen = True
                        body.update(_body(_parsed(path, data), type_name))
            for child_type, path, data in child_files:
                group = child_type.group
                groups.setdefault(group, []).append(
                    _entry(path, data, child_type.xml_root, group, child_type.unique_id)
                )
            for group in sorted(groups):
                entries = sorted(groups[group], key=lambda entry: collation_key(entry[0]))
                body[group] = [content for _, content in entries]
            xml = _sdrxml.build({type_name: body})
            out[f"{mdtype.directory}/{name}.{mdtype.suffix}"] = xml.encode()
        return out

    def _own_child(self, mdtype: MetadataType, name: str, path: str) -> MetadataType | None:
        """The child type of a file held by the parent component, None for its own file."""
        file_name = posixpath.basename(path)
        if file_name == f"{name}.{mdtype.suffix}{META}":
            return None
        suffix = file_name[: -len(META)].rpartition(".")[2]
        child = self.reg.child_by_suffix(mdtype, suffix)
        return child if child is not None and child.in_parent else None

    def manifest_keys(self) -> list[ComponentKey]:
        """Parents to list: those with a file holding real values (or no addressable child)."""
        keys = []
        for (type_name, name), parent in self.parents.items():
            mdtype = self.reg.types[type_name]
            addressable = any(self.reg.types[c].addressable for c in mdtype.children)
            if parent is None:
                continue
            if not addressable or _has_values(parent, type_name):
                keys.append(ComponentKey(type_name, name))
        return keys


def _unique_value(content: _sdrxml.Node, unique_id: str) -> str:
    for key in (unique_id, "fullName", "name"):
        value = content.get(key)
        if isinstance(value, str):
            return value
    return ""


def _has_values(parent: Component, type_name: str) -> bool:
    for path, data in parent.files.items():
        document = _parsed(path, data)
        value = document.get(type_name)
        if isinstance(value, dict) and len(value) > 1:
            return True
    return False


def embedded_children(reg: Registry, component: Component) -> list[ComponentKey]:
    """Children listed in a composite file (workflow rules, sharing rules, custom labels)."""
    mdtype = reg.types[component.type]
    keys = []
    for path, data in component.files.items():
        body = _body(_parsed(path, data), component.type)
        for group, value in body.items():
            child = reg.child_by_group(mdtype, group)
            if child is None or not child.addressable:
                continue
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, dict):
                    child_name = _unique_value(entry, child.unique_id)
                    full = (
                        child_name if child.full_name == "own" else f"{component.name}.{child_name}"
                    )
                    keys.append(ComponentKey(child.name, full))
    return keys


def _experience_children(reg: Registry, component: Component) -> list[ComponentKey]:
    """The pieces of a digital experience (``site/NAME.sfdc_cms__view/home``), each a folder
    ``CONTENT_TYPE/CONTENT_NAME`` of the bundle, listed by Salesforce beside the bundle."""
    bundle = reg.types[component.type]
    [piece_type] = bundle.children
    found = set()
    for path in component.files:
        parts = path.split("/")
        start = max(i for i, part in enumerate(parts[:-1]) if part == bundle.directory)
        piece = parts[start + 3 : start + 5]
        if len(piece) == 2 and len(parts) > start + 5:
            found.add(ComponentKey(piece_type, f"{component.name}.{'/'.join(piece)}"))
    return sorted(found)


def _manifest_key(reg: Registry, mdtype: MetadataType, name: str) -> ComponentKey:
    """Folders are listed under their content type; report and dashboard folders end with /."""
    if mdtype.fixed_name:
        return ComponentKey(mdtype.name, mdtype.name)
    if not mdtype.folder_of:
        return ComponentKey(mdtype.name, name)
    slash = "/" if mdtype.name in SLASHED_FOLDERS and not name.endswith("/") else ""
    return ComponentKey(mdtype.folder_of, name + slash)


def to_mdapi(
    reg: Registry, components: Iterable[Component]
) -> tuple[dict[str, bytes], list[ComponentKey]]:
    """Metadata API files (path -> bytes) and the keys that ``package.xml`` lists."""
    out: dict[str, bytes] = {}
    keys: list[ComponentKey] = []
    recomposer = _Recomposer(reg)
    labels: list[Component] = []
    for component in components:
        mdtype = reg.get(component.type)
        if mdtype is None:
            out.update(_generic_files(component))
            keys.append(component.key)
            continue
        if mdtype.transformer == PERMISSION_SET_BETA2:
            path = f"{mdtype.directory}/{component.name}.{mdtype.suffix}"
            out[path] = _permset2.merge(mdtype, component.name, component.files)
            keys.append(component.key)
            continue
        if mdtype.layout == "decomposed" or (
            mdtype.layout == "child" and reg.types[mdtype.parent or ""].layout == "decomposed"
        ):
            recomposer.add(mdtype, component)
            if mdtype.layout == "child" and mdtype.addressable:
                keys.append(component.key)
            continue
        if mdtype.name == "CustomLabels" or mdtype.layout == "label":
            labels.append(component)
        elif mdtype.layout == "static_resource":
            out.update(_static_resource(mdtype, component))
        else:
            out.update(_simple_files(reg, mdtype, component))
        if mdtype.layout == "digital_experience":
            keys.extend(_experience_children(reg, component))
        elif mdtype.children:
            keys.extend(embedded_children(reg, component))
        keys.append(_manifest_key(reg, mdtype, component.name))
    out.update(recomposer.files())
    keys.extend(recomposer.manifest_keys())
    if labels:
        out.update(_merge_labels(reg, labels))
    return out, keys


def _merge_labels(reg: Registry, components: list[Component]) -> dict[str, bytes]:
    """All custom labels in one ``labels/CustomLabels.labels``, sorted by full name."""
    entries: dict[str, _sdrxml.Node] = {}
    for component in components:
        for path, data in component.files.items():
            if component.type == "CustomLabel":  # one label per file (decomposeCustomLabelsBeta2)
                label = _body(_parsed(path, data), "CustomLabel")
                entries.setdefault(_unique_value(label, "fullName"), label)
                continue
            value = _body(_parsed(path, data), "CustomLabels").get("labels", [])
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, dict):
                    entries.setdefault(_unique_value(entry, "fullName"), entry)
    ordered: list[str | _sdrxml.Node] = [entries[k] for k in sorted(entries, key=collation_key)]
    body: _sdrxml.Node = {_sdrxml.NS_KEY: _sdrxml.NS_URL, "labels": ordered}
    mdtype = reg.types["CustomLabels"]
    return {
        f"{mdtype.directory}/CustomLabels.{mdtype.suffix}": _sdrxml.build(
            {"CustomLabels": body}
        ).encode()
    }
