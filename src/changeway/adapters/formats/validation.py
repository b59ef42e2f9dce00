"""Checks a component before deployment: well-formed XML, matching root element, valid name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from changeway.adapters.formats import _safexml
from changeway.adapters.formats._source import META
from changeway.adapters.formats.registry import MetadataType, registry
from changeway.domain.components import Component
from changeway.domain.errors import InvalidMetadata

_SEGMENT = r"[^\s/\\:*?\"<>|][^/\\:*?\"<>|]*"
_NAME = re.compile(rf"^{_SEGMENT}$")
_FOLDERED = re.compile(rf"^{_SEGMENT}(/{_SEGMENT})*$")
_CHILD = re.compile(rf"^{_SEGMENT}\.{_SEGMENT}$")
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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a component file."""

    path: str
    line: int | None
    message: str


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
    if name != name.strip() or not pattern.match(name):
        return f"invalid full name {name!r} for {type_name}"
    identifier = _IDENTIFIER_TYPES.get(type_name)
    if identifier is not None and not identifier.match(name):
        return (
            f"invalid full name {name!r} for {type_name}: use letters, digits and single"
            " underscores, starting with a letter"
        )
    return None


def check_component(component: Component) -> list[Problem]:
    """Problems of ``component``; an empty list when it looks deployable."""
    problems: list[Problem] = []
    message = name_problem(component.type, component.name)
    if message:
        problems.append(Problem(next(iter(component.files), ""), None, message))
    mdtype = registry().get(component.type)
    for path, data in component.files.items():
        if not path.endswith(_XML_SUFFIXES):
            continue
        try:
            root = _safexml.check(data, path)
        except InvalidMetadata as error:
            problems.append(Problem(path, error.line, error.problem))
            continue
        if not _is_main_file(path, mdtype):
            continue
        tag = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
        if tag != component.type:
            problems.append(
                Problem(
                    path,
                    _safexml.line_of(root),
                    f"root element {tag} does not match type {component.type}",
                )
            )
    return problems


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
