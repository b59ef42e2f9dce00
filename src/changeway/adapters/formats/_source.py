"""Source format: which component each file of a package directory belongs to."""

from __future__ import annotations

import re

from changeway.adapters.formats._safexml import root_name
from changeway.adapters.formats.registry import MetadataType, Registry
from changeway.domain.components import Component
from changeway.domain.errors import InvalidMetadata

META = "-meta.xml"
GENERIC = "?"
_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _stem(file_name: str, suffix: str | None) -> str:
    """``X.field-meta.xml`` -> ``X`` (names may contain dots)."""
    stem = file_name[: -len(META)] if file_name.endswith(META) else file_name
    if suffix and stem.endswith("." + suffix):
        return stem[: -len(suffix) - 1]
    return stem.rpartition(".")[0] or stem


def _last_index(parts: list[str], directory: str) -> int:
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == directory:
            return index
    return -1


def _by_suffix(reg: Registry, parts: list[str]) -> tuple[str, str] | None:
    file_name = parts[-1]
    suffix = file_name[: -len(META)].rpartition(".")[2]
    mdtype = reg.by_suffix.get(suffix)
    if mdtype is None or mdtype.layout == "child":
        return (GENERIC, _stem(file_name, suffix))
    base = _stem(file_name, mdtype.suffix)
    if mdtype.in_folder or mdtype.folder_of:
        start = _last_index(parts, mdtype.directory)
        return (mdtype.name, "/".join([*parts[start + 1 : -1], base]))
    if mdtype.folder_type and mdtype.folder_type != mdtype.name:
        start = _last_index(parts, reg.types[mdtype.folder_type].directory)
        if 0 <= start < len(parts) - 2:
            return (mdtype.name, f"{parts[start + 1]}.{base}")
    return (mdtype.name, base)


def _in_type_folder(reg: Registry, mdtype: MetadataType, rest: list[str]) -> tuple[str, str] | None:
    """Classify a file found below the folder of a folder-shaped type."""
    layout = mdtype.layout
    if layout == "bundle":
        return (mdtype.name, rest[0]) if len(rest) >= 2 else None
    if layout == "digital_experience":
        return (mdtype.name, f"{rest[0]}/{rest[1]}") if len(rest) >= 3 else None
    if layout == "decomposed":
        return _decomposed(reg, mdtype, rest)
    if mdtype.in_folder:
        if len(rest) < 2 or rest[-1].endswith(f".{reg.types[mdtype.in_folder].suffix}{META}"):
            return None
        return (mdtype.name, "/".join([*rest[:-1], rest[-1].split(".")[0]]))
    return (mdtype.name, rest[0].split(".")[0])


def _decomposed(reg: Registry, mdtype: MetadataType, rest: list[str]) -> tuple[str, str] | None:
    if len(rest) < 2 or not rest[-1].endswith(META):
        return None
    parent, file_name = rest[0], rest[-1]
    if len(rest) == 2 and file_name == f"{parent}.{mdtype.suffix}{META}":
        return (mdtype.name, parent)
    suffix = file_name[: -len(META)].rpartition(".")[2]
    child = reg.child_by_suffix(mdtype, suffix)
    if child is None:
        return None
    if child.in_parent:
        return (mdtype.name, parent)
    return (child.name, f"{parent}.{_stem(file_name, suffix)}")


def classify(reg: Registry, rel: str, known: set[str]) -> tuple[str, str] | None:
    """(type, full name) of the file at ``rel`` (relative to its package directory).

    ``known`` holds every path of the package directory, to pair content files with their
    ``-meta.xml``. Returns None for files that are not metadata; type ``?`` marks a
    ``-meta.xml`` file of a type the registry does not know (see ``generic_type``).
    """
    parts = rel.split("/")
    for index, part in enumerate(parts[:-1]):
        mdtype = reg.folder_dirs.get(part)
        if mdtype is not None:
            found = _in_type_folder(reg, mdtype, parts[index + 1 :])
            if found is not None:
                return found
            break
    if parts[-1].endswith(META):
        return _by_suffix(reg, parts)
    if rel + META in known:
        return classify(reg, rel + META, known)
    return None


def generic_type(path: str, data: bytes) -> str:
    """The type of a ``-meta.xml`` file the registry does not know: its root element."""
    name = root_name(data, path)
    if not _TYPE_NAME.match(name):
        raise InvalidMetadata(f"cannot tell the metadata type (root element {name!r})", path=path)
    return name


def group_components(
    reg: Registry, package_dir: str, files: dict[str, bytes]
) -> tuple[list[Component], list[str]]:
    """Components of one package directory (paths relative to the project) and skipped files."""
    prefix = f"{package_dir}/" if package_dir else ""
    known = {path[len(prefix) :] for path in files}
    grouped: dict[tuple[str, str], dict[str, bytes]] = {}
    skipped: list[str] = []
    for path, data in files.items():
        found = classify(reg, path[len(prefix) :], known)
        if found is None:
            skipped.append(path)
            continue
        type_name, name = found
        if type_name == GENERIC:
            type_name = generic_type(path, data)
        grouped.setdefault((type_name, name), {})[path] = data
    components = [
        Component(type_name, name, dict(sorted(files_.items())))
        for (type_name, name), files_ in grouped.items()
    ]
    return components, sorted(skipped)
