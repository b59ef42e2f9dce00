"""Reading metadata that users hand in, checked in full before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.domain.errors import InvalidMetadata, MetadataProblems


def _errors(problems: list[formats.Problem]) -> list[InvalidMetadata]:
    return [InvalidMetadata(p.message, path=p.path or None, line=p.line) for p in problems]


def strict_problems(incoming: formats.MetadataSet) -> list[InvalidMetadata]:
    """What ``--strict`` refuses besides errors: every warning (files of unknown types, roots
    naming a sibling type) and every file that belongs to no component."""
    skipped = [
        InvalidMetadata("belongs to no metadata component (--strict)", path=path)
        for path in incoming.skipped
    ]
    return [*_errors(incoming.warnings), *skipped]


def read_checked(
    path: Path, *, strict: bool = False, max_files: int | None = None
) -> formats.MetadataSet:
    """Read the metadata at ``path`` and refuse it unless every component is well-formed.

    Reading alone does not parse every XML file of a source-format project; untrusted input
    (broken XML, entities, non-UTF-8, invalid names, type confusion) must be
    refused before anything is written, naming the file. Every problem is reported at once;
    warnings are kept in the result (``strict`` refuses them too). ``max_files`` is the
    operator's cap on the files of one input.
    """
    problems: list[InvalidMetadata] = []
    incoming = formats.read_metadata(path, problems=problems, max_files=max_files)
    for component in incoming.components:
        errors, warnings = formats.inspect_component(component)
        problems.extend(_errors(errors))
        incoming.warnings.extend(warnings)
    problems.extend(_errors(formats.case_duplicates(incoming.components)))
    if strict:
        problems.extend(strict_problems(incoming))
    MetadataProblems.raise_if_any(problems)
    return incoming


def project_settings(incoming: formats.MetadataSet, current: Mapping[str, Any]) -> dict[str, Any]:
    """The org's layout settings after importing ``incoming``: what the input declares wins
    (its API version; its opt-in decompositions when it declares any), the rest stays."""
    settings = dict(current)
    if incoming.api_version:
        settings["api_version"] = incoming.api_version
    if incoming.source_behavior_options or incoming.registry_customizations:
        settings["source_behavior_options"] = list(incoming.source_behavior_options)
        settings["registry_customizations"] = dict(incoming.registry_customizations)
    return settings


def writer_options(project: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments that make the format writers lay files out as the org's project does."""
    return {
        "api_version": project.get("api_version"),
        "source_behavior_options": list(project.get("source_behavior_options", [])),
        "registry_customizations": dict(project.get("registry_customizations", {})),
    }
