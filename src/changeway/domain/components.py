"""Metadata components: what every layer above the format adapters sees.

A component is identified by (type, full name) and made of files. File paths are
POSIX paths in Salesforce *source format*, relative to the project root (for
example ``force-app/main/default/classes/Foo.cls``); contents are the exact bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from changeway.domain.errors import NotFound


@dataclass(frozen=True, order=True)
class ComponentKey:
    """Identity of a component: metadata type and full name."""

    type: str
    name: str

    def __str__(self) -> str:
        return f"{self.type}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> ComponentKey:
        """Parse ``TYPE:NAME`` as users type it."""
        type_, sep, name = text.partition(":")
        if not sep or not type_ or not name:
            raise ValueError(f"expected TYPE:NAME, got {text!r}")
        return cls(type_.strip(), name.strip())


@dataclass(frozen=True)
class Component:
    """A component with its files (source-format path -> exact bytes)."""

    type: str
    name: str
    files: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def key(self) -> ComponentKey:
        return ComponentKey(self.type, self.name)

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


def named_by_manifest(
    keys: Iterable[ComponentKey], members: Iterable[tuple[str, str]], *, holder: str
) -> set[ComponentKey]:
    """The keys a manifest's (type, member) pairs name (``*`` names every member of a type).

    Raises ``NotFound`` naming what the manifest names but ``holder`` lacks (at most ten).
    """
    pairs = list(members)
    wanted_types = {t for t, m in pairs if m == "*"}
    wanted = {ComponentKey(t, m) for t, m in pairs if m != "*"}
    present = set(keys)
    missing = sorted(wanted - present)
    if missing:
        raise NotFound(f"{holder} has no " + ", ".join(str(k) for k in missing[:10]))
    return {k for k in present if k in wanted or k.type in wanted_types}


def case_clashes(
    keys: Iterable[ComponentKey], existing: Iterable[ComponentKey] = ()
) -> list[tuple[ComponentKey, ComponentKey]]:
    """(key, first) pairs where ``key``'s name differs from an earlier one's (``existing``
    first, then ``keys`` in order) only by case: Salesforce's names are case-insensitive, so
    both would be one component."""
    seen: dict[tuple[str, str], ComponentKey] = {}
    for key in existing:
        seen.setdefault((key.type, key.name.lower()), key)
    clashes = []
    for key in keys:
        first = seen.setdefault((key.type, key.name.lower()), key)
        if first != key:
            clashes.append((key, first))
    return clashes
