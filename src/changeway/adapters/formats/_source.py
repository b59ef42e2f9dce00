"""Source format: which component each file of a package directory belongs to.

A file's type comes from where it is and its suffix, decided in Salesforce's converter's order
(``resolve_type``): the folder of a strict type (bundles, objects, static resources, sites...),
then the suffix of a ``-meta.xml``, then the folder files of reports, dashboards, documents and
email templates, then the file's extension, then the content folders of experience types. The
root element never decides a type the registry knows (see ``generic_type``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from changeway.adapters.formats._safexml import root_name
from changeway.adapters.formats.model import Problem
from changeway.adapters.formats.registry import MetadataType, Registry
from changeway.domain.components import Component
from changeway.domain.errors import InvalidMetadata

META = "-meta.xml"
GENERIC = "?"
_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_FOLDER_SHAPED = frozenset({"bundle", "static_resource", "mixed", "experience"})
# Types whose content files Salesforce recognises by their folder alone (no suffix, no -meta.xml).
_CONTENT_FOLDERS = (
    "DigitalExperience",
    "ExperiencePropertyTypeBundle",
    "LightningTypeBundle",
    "ContentTypeBundle",
    "UiWidgetBundle",
)


def meta_suffix(file_name: str) -> tuple[str, str] | None:
    """``Name.suffix-meta.xml`` -> (Name, suffix); None for other file names."""
    if not file_name.endswith(META):
        return None
    name, dot, suffix = file_name[: -len(META)].rpartition(".")
    return (name, suffix) if dot and name and suffix else None


def current_suffix(mdtype: MetadataType, path: str) -> str:
    """``path`` with a legacy suffix (``.custompageweblink``) turned into the type's current
    one (``.weblink``), as Salesforce writes it in either format."""
    legacy, suffix = mdtype.legacy_suffix, mdtype.suffix
    if not legacy or not suffix:
        return path
    for end in (META, ""):
        if path.endswith(f".{legacy}{end}"):
            return path[: -len(f".{legacy}{end}")] + f".{suffix}{end}"
    return path


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


def _suffixes(mdtype: MetadataType) -> tuple[str, ...]:
    return tuple(s for s in (mdtype.suffix, mdtype.legacy_suffix) if s)


def _ends_with_suffix(mdtype: MetadataType, file_name: str) -> bool:
    return any(file_name.endswith((s, s + META)) for s in _suffixes(mdtype))


def _strict_type(reg: Registry, parts: list[str]) -> MetadataType | None:
    """The strict type whose folder holds the file and that the file can belong to."""
    folders = reg.strict_by_directory.keys() & set(parts[:-1])
    if not folders:
        return None
    candidates = [entry for folder in folders for entry in reg.strict_by_directory[folder]]
    if len(folders) > 1:
        candidates.sort(key=lambda entry: entry[0])
    file_name = parts[-1]
    for _, mdtype, endings in candidates:
        if mdtype.in_folder and len(parts) > 1 and parts[-2] == mdtype.directory:
            continue  # a folder of foldered types (documents/FOLDER-meta.xml)
        if mdtype.layout in _FOLDER_SHAPED or file_name.endswith(endings):
            return mdtype
    return None


def _folder_file_type(reg: Registry, parts: list[str]) -> MetadataType | None:
    """``reports/Sales-meta.xml``: the folder type of a foldered type's directory."""
    stem = parts[-1][: -len(META)]
    if not parts[-1].endswith(META) or "." in stem or len(parts) < 2:
        return None
    found = None
    for mdtype in reg.folder_types:
        if mdtype.directory in parts[:-1]:
            found = mdtype
    return found


def resolve_type(reg: Registry, parts: list[str]) -> MetadataType | None:
    """The type of the file at ``parts`` (a path split at ``/``), as Salesforce decides it."""
    found = _strict_type(reg, parts)
    if found is not None:
        return found
    meta = meta_suffix(parts[-1])
    if meta is not None and meta[1] in reg.by_suffix:
        return reg.by_suffix[meta[1]]
    found = _folder_file_type(reg, parts)
    if found is not None:
        return found
    extension = parts[-1].rpartition(".")[2] if "." in parts[-1].lstrip(".") else ""
    found = reg.by_suffix.get(extension) if extension else None
    if found is not None and not (found.strict and found.directory not in parts):
        return found
    for name in _CONTENT_FOLDERS:
        content_type = reg.types.get(name)
        if content_type is not None and content_type.directory in parts[:-1]:
            return content_type
    return None


def _nested_name(parts: list[str], directory: str, base: str) -> str | None:
    """``reports/A/B/R.report-meta.xml`` -> ``A/B/R`` (foldered types and their folders)."""
    start = _last_index(parts, directory)
    if start < 0:
        return None
    return "/".join([*parts[start + 1 : -1], base])


def _folder_shaped(mdtype: MetadataType, parts: list[str]) -> tuple[str, str] | None:
    """Bundles, static resources, documents, experiences: named after their content root."""
    start = _last_index(parts, mdtype.directory)
    depth = 3 if mdtype.in_folder or mdtype.layout == "bundle" else 2
    if start < 0 or len(parts) - start < depth:
        return None
    if mdtype.in_folder:
        if parts[-1].endswith(META) and "." not in parts[-1][: -len(META)]:
            return None  # the folder's own file
        return (mdtype.name, f"{parts[start + 1]}/{parts[start + 2].split('.')[0]}")
    return (mdtype.name, parts[start + 1].split(".")[0])


def _decomposed(reg: Registry, mdtype: MetadataType, parts: list[str]) -> tuple[str, str] | None:
    """An object (or bot, translation) folder: the parent's own file, or one of its children."""
    start = _last_index(parts, mdtype.directory)
    if start < 0 or len(parts) - start < 3:
        return None
    parent, file_name = parts[start + 1], parts[-1]
    meta = meta_suffix(file_name)
    if meta is None:
        return None
    if len(parts) - start == 3 and meta[1] in _suffixes(mdtype):
        return (mdtype.name, parent)
    child = reg.child_by_suffix(mdtype, meta[1])
    if child is None:
        return None
    if child.in_parent:
        return (mdtype.name, parent)
    return (child.name, f"{parent}.{_stem(file_name, meta[1])}")


def _territory(reg: Registry, mdtype: MetadataType, parts: list[str], base: str) -> str:
    """Territory model parts are named after their model: ``Model.Territory``."""
    assert mdtype.folder_type is not None
    if mdtype.folder_type == mdtype.name:
        return base
    start = _last_index(parts, reg.types[mdtype.folder_type].directory)
    return f"{parts[start + 1]}.{base}" if 0 <= start < len(parts) - 2 else base


def _named(reg: Registry, mdtype: MetadataType, parts: list[str]) -> tuple[str, str] | None:
    """The full name of a one-file (or content + ``-meta.xml``) component."""
    file_name = parts[-1]
    meta = meta_suffix(file_name)
    if meta is not None:
        base = _stem(file_name, meta[1])
    elif file_name.endswith(META):
        base = file_name[: -len(META)]  # a folder's own file: reports/Sales-meta.xml
    elif mdtype.layout in ("xml", "embedded", "folder") and len(parts) > 1:
        # A Metadata API file in a source folder (settings/Account.settings): Salesforce takes
        # it when it sits right in its type's folder.
        if parts[-2] != mdtype.directory or not _ends_with_suffix(mdtype, file_name):
            return None
        base = _stem(file_name, mdtype.suffix)
    else:
        return None
    if mdtype.fixed_name:
        return (mdtype.name, mdtype.name)
    if mdtype.in_folder or mdtype.folder_of:
        name = _nested_name(parts, mdtype.directory, base)
        return (mdtype.name, name) if name else None
    if mdtype.folder_type:
        return (mdtype.name, _territory(reg, mdtype, parts, base))
    return (mdtype.name, base)


def classify(reg: Registry, rel: str, known: set[str]) -> tuple[str, str] | str | None:
    """(type, full name) of the file at ``rel`` (relative to its package directory).

    ``known`` holds every path of the package directory, to pair content files with their
    ``-meta.xml``. Returns None for files that are not metadata; type ``?`` marks a
    ``-meta.xml`` file of a type the registry does not know (see ``generic_type``), and a
    string is why the file cannot be placed (a child type outside its parent's folder).
    """
    parts = rel.split("/")
    mdtype = resolve_type(reg, parts)
    if mdtype is None:
        if meta_suffix(parts[-1]) is not None:
            return (GENERIC, _stem(parts[-1], None))
        return None
    if mdtype.layout in _FOLDER_SHAPED:
        return _folder_shaped(mdtype, parts)
    if mdtype.layout == "digital_experience" or mdtype.parent == "DigitalExperienceBundle":
        bundle = reg.types["DigitalExperienceBundle"]
        start = _last_index(parts, bundle.directory)
        if start < 0 or len(parts) - start < 4:
            return None
        return (bundle.name, f"{parts[start + 1]}/{parts[start + 2]}")
    if mdtype.layout == "decomposed":
        return _decomposed(reg, mdtype, parts)
    if mdtype.layout == "child":
        parent = reg.types[mdtype.parent or ""]
        return (
            f"a {mdtype.name} file belongs in the folder of its {parent.name}"
            f" ({parent.directory}/NAME/...), not at {rel}"
        )
    if mdtype.layout == "content" and not parts[-1].endswith(META):
        return classify(reg, rel + META, known) if rel + META in known else None
    return _named(reg, mdtype, parts)


def generic_type(reg: Registry, path: str, data: bytes) -> str:
    """The type of a ``-meta.xml`` file the registry does not know: its root element.

    A root naming a type the registry knows is refused: that type's files are recognised by
    their own folder and suffix, so a file elsewhere cannot pose as one (type confusion).
    """
    name = root_name(data, path)
    if not _TYPE_NAME.match(name):
        raise InvalidMetadata(f"cannot tell the metadata type (root element {name!r})", path=path)
    known = reg.get(name)
    if known is not None:
        where = f"{known.directory}/" + (f"NAME.{known.suffix}{META}" if known.suffix else "NAME/")
        raise InvalidMetadata(
            f"root element {name} names a known type, but {name} files are {where}:"
            " the file's folder and suffix decide its type",
            path=path,
        )
    return name


@dataclass
class Grouped:
    """What the files of one input became: components, files that are not metadata, files
    that cannot be placed (errors, every one), and warnings."""

    components: list[Component] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[InvalidMetadata] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def unknown_type_warning(path: str, type_name: str) -> Problem:
    """The warning every file of a type the registry does not know gets (``--strict`` fails)."""
    return Problem(
        path,
        None,
        f"{type_name} is not a type Salesforce's registry knows: carried as is, typed by its"
        " root element",
    )


def group_components(reg: Registry, package_dir: str, files: dict[str, bytes]) -> Grouped:
    """Components of one package directory (paths relative to the project) and what else."""
    prefix = f"{package_dir}/" if package_dir else ""
    known = {path[len(prefix) :] for path in files}
    grouped: dict[tuple[str, str], dict[str, bytes]] = {}
    out = Grouped()
    for path, data in files.items():
        found = classify(reg, path[len(prefix) :], known)
        if found is None:
            out.skipped.append(path)
            continue
        if isinstance(found, str):
            out.problems.append(InvalidMetadata(found, path=path))
            continue
        type_name, name = found
        if type_name == GENERIC:
            try:
                type_name = generic_type(reg, path, data)
            except InvalidMetadata as error:
                out.problems.append(error)
                continue
            out.warnings.append(unknown_type_warning(path, type_name))
        grouped.setdefault((type_name, name), {})[path] = data
    out.components = [
        Component(type_name, name, dict(sorted(files_.items())))
        for (type_name, name), files_ in grouped.items()
    ]
    out.skipped.sort()
    return out
