"""Metadata reads in a read-only unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db.metadata_store import MetadataRepository
from changeway.domain.components import ComponentKey
from changeway.domain.tree import Node


@dataclass
class Stash:
    """Analyses (with their where-used index rows, and the trees they complete) found
    during a read, stored after it."""

    analyses: dict[tuple[str, ComponentKey], Any] = field(default_factory=dict)
    names: dict[tuple[str, ComponentKey], Iterable[tuple[str, str, str]]] = field(
        default_factory=dict
    )
    trees: set[str] = field(default_factory=set)

    def save(self, engine: sa.Engine) -> None:
        if self.analyses or self.trees:
            with engine.begin() as conn:
                store = MetadataRepository(conn)
                store.put_analyses(self.analyses, self.names)
                store.mark_analysed(self.trees)
        self.analyses, self.names, self.trees = {}, {}, set()


class ReadOnlyMetadata(MetadataRepository):
    """Dependency analyses computed during a read are a cache, not a change: they are kept
    aside in ``stash`` and stored after the read ends; this read already sees them. Tree
    nodes written during a read (a tree that a preview would leave) are scratch: this read
    sees them, nothing stores them."""

    def __init__(self, conn: sa.Connection, stash: Stash) -> None:
        super().__init__(conn)
        self._stash = stash
        self._scratch: dict[str, Node] = {}

    def put_nodes(self, nodes: Mapping[str, Node]) -> None:
        self._scratch.update(nodes)

    def get_nodes(self, hashes: Iterable[str]) -> dict[str, Node]:
        wanted = set(hashes)
        here = {h: self._scratch[h] for h in wanted if h in self._scratch}
        stored = super().get_nodes(wanted - here.keys()) if len(here) < len(wanted) else {}
        return {**stored, **here}

    def put_analyses(
        self,
        analyses: Mapping[tuple[str, ComponentKey], Any],
        names: Mapping[tuple[str, ComponentKey], Iterable[tuple[str, str, str]]] | None = None,
    ) -> None:
        self._stash.analyses.update(analyses)
        self._stash.names.update(names or {})

    def mark_analysed(self, keys: Iterable[str]) -> None:
        self._stash.trees.update(keys)

    def is_analysed(self, key: str) -> bool:
        return key in self._stash.trees or super().is_analysed(key)

    def users_of(
        self, names: Iterable[tuple[str, str]], objects: Iterable[str] = ()
    ) -> set[tuple[str, ComponentKey]]:
        """The stored index's answer and the analyses kept aside in this read alike."""
        wanted, held = set(names), set(objects)
        found = super().users_of(wanted, held)
        for analysis, rows in self._stash.names.items():
            if any((t, n) in wanted or (o and o in held) for t, n, o in rows):
                found.add(analysis)
        return found
