"""Metadata reads in a read-only unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db.metadata_store import MetadataRepository
from changeway.domain.components import ComponentKey


class ReadOnlyMetadata(MetadataRepository):
    """Dependency analyses computed during a read are a cache, not a change: they are kept
    aside in ``stash`` and stored after the read ends."""

    def __init__(self, conn: sa.Connection, stash: dict[tuple[str, ComponentKey], Any]) -> None:
        super().__init__(conn)
        self._stash = stash

    def put_analyses(self, analyses: Mapping[tuple[str, ComponentKey], Any]) -> None:
        self._stash.update(analyses)
