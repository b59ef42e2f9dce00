"""What reading metadata gives: components in source format plus deletions and API version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from changeway.domain.components import Component, ComponentKey


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file (an error or a warning, by where it is reported)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}" if where else self.message


@dataclass
class MetadataSet:
    """Components (sorted by key) read from a project, a package folder or an mdapi folder/zip."""

    components: list[Component] = field(default_factory=list)
    destructive_pre: list[ComponentKey] = field(default_factory=list)
    destructive_post: list[ComponentKey] = field(default_factory=list)
    api_version: str | None = None
    package_directories: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Files that belong to no metadata component (reported, never silently dropped)."""
    warnings: list[Problem] = field(default_factory=list)
    """What was taken in but deserves a look: files of types the registry does not know
    (carried by the generic rule), root elements naming a sibling type."""
    source_behavior_options: list[str] = field(default_factory=list)
    """``sourceBehaviorOptions`` the source layout follows (Salesforce's opt-in decompositions)."""
    registry_customizations: dict[str, Any] = field(default_factory=dict)
    """The project's ``registryCustomizations`` (Salesforce's registry shape), empty if none."""
