"""Accumulates the references that one component makes, dropping self-references."""

from __future__ import annotations

from collections.abc import Iterable

from changeway.adapters.references._names import InferredKey, OneOf
from changeway.domain.components import Component, ComponentKey
from changeway.domain.dependencies import Reference, is_implicit


class References:
    """The references found in one component, in the order they were found."""

    def __init__(self, component: Component) -> None:
        self.source = component.key
        self.found: list[Reference] = []
        self._seen: set[tuple[ComponentKey, str]] = set()

    def add(
        self,
        target: ComponentKey,
        path: str,
        line: int | None,
        reason: str,
        *,
        candidate: bool = False,
    ) -> None:
        """Record one reference, unless it is standard, names the component itself or repeats."""
        alternatives: tuple[ComponentKey, ...] = ()
        if isinstance(target, InferredKey):
            candidate = True
        if isinstance(target, OneOf):
            alternatives = target.others
        target = ComponentKey(target.type, target.name)
        same = target.type == self.source.type and target.name.lower() == self.source.name.lower()
        seen = (ComponentKey(target.type, target.name.lower()), path)
        if same or not target.name or is_implicit(target) or seen in self._seen:
            return
        self._seen.add(seen)
        self.found.append(
            Reference(self.source, target, path, line, reason, candidate, alternatives)
        )

    def add_all(
        self,
        targets: Iterable[ComponentKey],
        path: str,
        line: int | None,
        reason: str,
        *,
        candidate: bool = False,
    ) -> None:
        """Record several targets found at the same place."""
        for target in targets:
            self.add(target, path, line, reason, candidate=candidate)
