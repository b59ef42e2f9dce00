"""Reading metadata that users hand in, checked in full before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.domain.errors import InvalidMetadata


def read_checked(path: Path) -> formats.MetadataSet:
    """Read the metadata at ``path`` and refuse it unless every component is well-formed.

    Reading alone does not parse every XML file of a source-format project; untrusted input
    (SPEC section 9: broken XML, entities, non-UTF-8, invalid names) must be refused before
    anything is written, naming the file.
    """
    incoming = formats.read_metadata(path)
    for component in incoming.components:
        problems = formats.check_component(component)
        if problems:
            first = problems[0]
            raise InvalidMetadata(first.message, path=first.path or None, line=first.line)
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
