"""What garbage collection reads and deletes: the references that keep stored contents
alive, and the stored hashes (docs/adr/0016-garbage-collection.md)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.adapters.db.metadata_store import GC_LOCK
from changeway.domain.jobs import JobStatus

_FINAL = [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED]
_CHUNK = 1000
_TABLES = {"tree_nodes": t.tree_nodes, "blobs": t.blobs}


class GarbageRepository:
    """Reads and deletes for garbage collection, within one write transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def exclude_writers(self) -> None:
        """Wait for every transaction writing nodes or blobs to end, and keep new ones out
        until this transaction ends (PostgreSQL; SQLite's writer holds the whole database)."""
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (GC_LOCK,))

    def live_pins(self) -> set[str]:
        """Roots of trees pinned by jobs that have not ended."""
        p, j = t.tree_pins, t.jobs
        query = (
            sa.select(p.c.root)
            .join(j, j.c.id == p.c.job_id)
            .where(j.c.status.not_in(_FINAL))
            .distinct()
        )
        return set(self._conn.execute(query).scalars())

    def drop_stale_pins(self) -> None:
        """Forget pins of jobs that have ended (or are gone)."""
        p, j = t.tree_pins, t.jobs
        live = sa.select(j.c.id).where(j.c.id == p.c.job_id, j.c.status.not_in(_FINAL)).exists()
        self._conn.execute(p.delete().where(~live))

    def version_roots(self) -> set[str]:
        """The root of every org version (versions are history: never deleted)."""
        return set(self._conn.execute(sa.select(t.org_versions.c.root).distinct()).scalars())

    def referenced_components(self) -> set[str]:
        """Component nodes named by change set items and by deployments (their items, and
        each component's content before and after, which a rollback restores)."""
        items = t.change_set_items.c.content
        found = set(
            self._conn.execute(sa.select(items).where(items.is_not(None)).distinct()).scalars()
        )
        d = t.deployments
        for components, deployed in self._conn.execute(sa.select(d.c.components, d.c["items"])):
            for c in components or ():
                found.update(h for h in (c.get("before"), c.get("after")) if h)
            found.update(i["content"] for i in deployed or () if i.get("content"))
        return found

    def stored(self, table: str) -> set[str]:
        """Every hash stored in ``table`` ("tree_nodes" or "blobs")."""
        return set(self._conn.execute(sa.select(_TABLES[table].c.hash)).scalars())

    def sizes(self, table: str, hashes: Iterable[str]) -> int:
        """Bytes stored under ``hashes`` in ``table``."""
        rows = _TABLES[table]
        total = 0
        wanted = sorted(hashes)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            query = sa.select(sa.func.sum(sa.func.length(rows.c.data))).where(
                rows.c.hash.in_(chunk)
            )
            total += int(self._conn.execute(query).scalar() or 0)
        return total

    def delete(self, table: str, hashes: Iterable[str]) -> None:
        """Delete the rows of ``table`` under ``hashes``."""
        rows = _TABLES[table]
        wanted = sorted(hashes)
        for start in range(0, len(wanted), _CHUNK):
            self._conn.execute(rows.delete().where(rows.c.hash.in_(wanted[start : start + _CHUNK])))
