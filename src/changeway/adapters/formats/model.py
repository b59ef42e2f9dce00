"""What reading metadata gives: components in source format plus deletions and API version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from changeway.domain.components import Component, ComponentKey


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
    source_behavior_options: list[str] = field(default_factory=list)
    """``sourceBehaviorOptions`` the source layout follows (Salesforce's opt-in decompositions)."""
    registry_customizations: dict[str, Any] = field(default_factory=dict)
    """The project's ``registryCustomizations`` (Salesforce's registry shape), empty if none."""
