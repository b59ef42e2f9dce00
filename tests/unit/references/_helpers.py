"""Helpers for extractor tests: components read from a corpus, or written inline."""

from __future__ import annotations

from pathlib import Path

from changeway.adapters.references import extract_references
from changeway.domain.components import Component, ComponentKey

DEFAULT = "force-app/main/default"


def from_corpus(root: Path, type_: str, name: str, *paths: str) -> Component:
    """A component made of corpus files (paths relative to the project root)."""
    return Component(type_, name, {path: (root / path).read_bytes() for path in paths})


def inline(type_: str, name: str, files: dict[str, str]) -> Component:
    """A component made of small text files."""
    return Component(type_, name, {path: text.encode() for path, text in files.items()})


def targets(component: Component) -> dict[ComponentKey, tuple[int | None, bool]]:
    """What a component references: target -> (line of first mention, candidate)."""
    found: dict[ComponentKey, tuple[int | None, bool]] = {}
    for reference in extract_references(component):
        found.setdefault(reference.target, (reference.line, reference.candidate))
    return found


def certain(component: Component) -> set[ComponentKey]:
    """The targets that must exist (not candidates)."""
    return {key for key, (_, candidate) in targets(component).items() if not candidate}


def key(text: str) -> ComponentKey:
    return ComponentKey.parse(text)
