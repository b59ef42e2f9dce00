"""Checks a component before it is taken in or deployed: its name, its text, its XML.

A component's type comes from where its files are and their suffixes (``_source``); the root
element of its metadata file must then name that type (a settings file: ``<NameSettings>``).
One rule decides what a root that disagrees means:

- a root naming another type of the same Metadata API folder (a ``.featureParameterInteger``
  file rooted ``FeatureParameterBoolean``, the wave types) is a warning: Salesforce reads the
  file as the type its folder and suffix give, and real packages ship such files;
- any other root is an error.

Names follow Salesforce's rules per type (API names for code and objects, at most 40
characters before a custom suffix, 255 in all) and every file name fits a file system, so
that what is taken in can always be written out again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from changeway.adapters.formats import _safexml
from changeway.adapters.formats._source import META
from changeway.adapters.formats.model import Problem
from changeway.adapters.formats.registry import MetadataType, registry
from changeway.domain.components import Component, ComponentKey, case_clashes
from changeway.domain.errors import InvalidMetadata

_SEGMENT = r"[^\s/\\:*?\"<>|][^/\\:*?\"<>|]*"
_NAME = re.compile(rf"^{_SEGMENT}$")
_FOLDERED = re.compile(rf"^{_SEGMENT}(/{_SEGMENT})*$")
_CHILD = re.compile(rf"^{_SEGMENT}\.{_SEGMENT}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_XML_SUFFIXES = (META, ".xml")
# Salesforce API names: a letter, then letters, digits and single underscores, not ending
# in one. Types named this way are checked with it (Apex, Visualforce, bundles, objects...).
_API_NAME = r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)"
_CUSTOM_SUFFIX = r"(?:__(?:c|r|mdt|e|b|x|kav|Share|History|Feed|ChangeEvent))?"
_IDENTIFIER_TYPES = {
    "ApexClass": re.compile(rf"^{_API_NAME}$"),
    "ApexTrigger": re.compile(rf"^{_API_NAME}$"),
    "ApexPage": re.compile(rf"^{_API_NAME}$"),
    "ApexComponent": re.compile(rf"^{_API_NAME}$"),
    "LightningComponentBundle": re.compile(rf"^{_API_NAME}$"),
    "AuraDefinitionBundle": re.compile(rf"^{_API_NAME}$"),
    "CustomObject": re.compile(rf"^(?:{_API_NAME}__)?{_API_NAME}{_CUSTOM_SUFFIX}$"),
}
MAX_NAME = 255
"""Longest full name Salesforce keeps (its metadata names are at most 255 characters)."""
MAX_CUSTOM_NAME = 40
"""Longest custom object or field name before its suffix (``__c``) and after a namespace."""
MAX_FILE_NAME_BYTES = 255
"""Longest file or folder name that file systems accept (the names we write)."""
_CUSTOM_PART = re.compile(r"^(?:[A-Za-z][A-Za-z0-9]{0,14}__)?(?P<name>.+?)__[A-Za-z]+$")
_CUSTOM_NAMED = frozenset({"CustomObject", "CustomField"})
# Source files Salesforce reads as UTF-8 text (Apex, Visualforce, Lightning components).
_TEXT_TYPES = frozenset(
    {
        "ApexClass",
        "ApexTrigger",
        "ApexPage",
        "ApexComponent",
        "LightningComponentBundle",
        "AuraDefinitionBundle",
    }
)
_TEXT_EXTENSIONS = frozenset(
    {"cls", "trigger", "page", "component", "js", "mjs", "ts", "html", "css", "cmp", "app"}
    | {"evt", "intf", "design", "auradoc", "tokens", "svg", "json", "xml"}
)


def _custom_problem(type_name: str, name: str) -> str | None:
    """Custom objects and fields: at most 40 characters between namespace and suffix."""
    if type_name not in _CUSTOM_NAMED:
        return None
    part = name.rpartition(".")[2] if type_name == "CustomField" else name
    match = _CUSTOM_PART.match(part)
    if match and len(match["name"]) > MAX_CUSTOM_NAME:
        return (
            f"invalid full name {name!r} for {type_name}: a custom name has at most"
            f" {MAX_CUSTOM_NAME} characters before its suffix"
        )
    return None


def name_problem(type_name: str, name: str) -> str | None:
    """Why ``name`` is not a valid full name for ``type_name``, or None."""
    mdtype = registry().get(type_name)
    if mdtype is not None and mdtype.layout == "child" and mdtype.full_name != "own":
        pattern = _CHILD
    elif mdtype is not None and (
        mdtype.in_folder or mdtype.folder_of or mdtype.layout == "digital_experience"
    ):
        pattern = _FOLDERED
    else:
        pattern = _NAME
    if len(name) > MAX_NAME:
        return (
            f"invalid full name for {type_name}: {len(name)} characters long, Salesforce allows"
            f" at most {MAX_NAME}"
        )
    parts = name.split("/")
    if (
        name != name.strip()
        or not pattern.match(name)
        or _CONTROL.search(name)
        or any(part in (".", "..") for part in parts)
    ):
        return f"invalid full name {name!r} for {type_name}"
    identifier = _IDENTIFIER_TYPES.get(type_name)
    if identifier is not None and not identifier.match(name):
        return (
            f"invalid full name {name!r} for {type_name}: use letters, digits and single"
            " underscores, starting with a letter"
        )
    return _custom_problem(type_name, name)


def deletion_problem(key: ComponentKey) -> str | None:
    """Why a component named for deletion cannot be deleted: deletions are checked like
    additions (a type Salesforce knows, a valid name; no wildcards)."""
    if registry().get(key.type) is None:
        return f"cannot delete {key}: {key.type} is not a metadata type"
    if key.name == "*":
        return f"cannot delete {key}: name the components to delete (no wildcards)"
    return name_problem(key.type, key.name)


def _text_problem(path: str, data: bytes) -> Problem | None:
    """A source file Salesforce reads as text: UTF-8, no NUL bytes."""
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        return Problem(path, line, "contains a NUL byte: source files are UTF-8 text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(path, line, "file is not valid UTF-8 text (Salesforce reads it as UTF-8)")
    return None


def _long_segment(path: str) -> str | None:
    return next(
        (part for part in path.split("/") if len(part.encode()) > MAX_FILE_NAME_BYTES), None
    )


def _sibling(mdtype: MetadataType | None, root: str) -> bool:
    """Whether ``root`` names another type kept in the same Metadata API folder."""
    other = registry().get(root)
    return (
        mdtype is not None
        and other is not None
        and other.name != mdtype.name
        and other.layout != "child"
        and other.directory == mdtype.directory
    )


def inspect_component(component: Component) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of ``component``: its name, file names, text and XML."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    first = next(iter(component.files), "")
    message = name_problem(component.type, component.name)
    if message:
        errors.append(Problem(first, None, message))
    mdtype = registry().get(component.type)
    for path, data in component.files.items():
        long = _long_segment(path)
        if long is not None:
            errors.append(
                Problem(path, None, f"file name longer than {MAX_FILE_NAME_BYTES} bytes: {long}")
            )
        if component.type in _TEXT_TYPES and path.rpartition(".")[2] in _TEXT_EXTENSIONS:
            text = _text_problem(path, data)
            if text is not None:
                errors.append(text)
                continue
        if not path.endswith(_XML_SUFFIXES):
            continue
        try:
            root = _safexml.check(data, path)
        except InvalidMetadata as error:
            errors.append(Problem(path, error.line, error.problem))
            continue
        if not _is_main_file(path, mdtype):
            continue
        tag = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
        expected = mdtype.root_for(component.name) if mdtype else component.type
        if tag == expected:
            continue
        line = _safexml.line_of(root)
        if _sibling(mdtype, tag):
            warnings.append(
                Problem(
                    path,
                    line,
                    f"root element {tag} is another type of the same folder; read as"
                    f" {component.type}, as its suffix says",
                )
            )
        else:
            errors.append(
                Problem(path, line, f"root element {tag} does not match type {component.type}")
            )
    return errors, warnings


def case_duplicates(components: Iterable[Component]) -> list[Problem]:
    """Components whose names differ from an earlier one's only by case: Salesforce's names
    are case-insensitive, so they would be one component (the second is refused)."""
    ordered = sorted(components, key=lambda c: c.key)
    first_file = {c.key: next(iter(c.files), "") for c in ordered}
    return [
        Problem(
            first_file[key],
            None,
            f"{key.type} {key.name!r} differs from {first.name!r} only by case;"
            " Salesforce names are case-insensitive: keep one",
        )
        for key, first in case_clashes(c.key for c in ordered)
    ]


def check_component(component: Component) -> list[Problem]:
    """Problems of ``component`` that make it undeployable; empty when it looks deployable."""
    return inspect_component(component)[0]


def _is_main_file(path: str, mdtype: MetadataType | None) -> bool:
    """Whether ``path`` is the file whose root element must be the component's type.

    Bundles hold files of other kinds, and an opt-in decomposition (a permission set split by
    kind of permission) keeps its parts, whose roots name the part, beside the main file.
    """
    if not path.endswith(META):
        return False
    if mdtype is None:
        return True  # unknown types: the root element is the type (the generic rule)
    if mdtype.layout in {"bundle", "experience"}:
        return False
    suffixes = {s for s in (mdtype.suffix, mdtype.legacy_suffix) if s}
    return not suffixes or any(path.endswith(f".{s}{META}") for s in suffixes)
