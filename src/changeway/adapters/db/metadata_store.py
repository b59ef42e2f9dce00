"""Metadata storage: file contents and tree nodes by hash (stored once), and org versions."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from importlib import import_module
from typing import Any, TypeVar

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.domain.components import ComponentKey
from changeway.domain.errors import Conflict
from changeway.domain.tree import Node
from changeway.domain.versions import OrgVersion, VersionKind

_CHUNK = 500
_BULK = 5000
_BULK_BYTES = 8 << 20
#: Contents up to this size are read with their hashes' first query; larger ones by weight.
_INLINE_BYTES = 64 << 10
_T = TypeVar("_T")
#: The PostgreSQL advisory lock that tree writers share and garbage collection takes alone.
GC_LOCK = 0x63770001


class _NodeCache:
    """Nodes read from the database, by hash, least recently used dropped first beyond
    ``capacity`` bytes. Content-addressed, so never stale."""

    def __init__(self, capacity: int = 64 << 20) -> None:
        self._items: OrderedDict[str, Node] = OrderedDict()
        self._capacity = capacity
        self._size = 0

    def get(self, digest: str) -> Node | None:
        node = self._items.get(digest)
        if node is not None:
            self._items.move_to_end(digest)
        return node

    def add(self, digest: str, node: Node) -> None:
        if digest not in self._items:
            self._items[digest] = node
            self._size += len(node)
        while self._size > self._capacity:
            self._size -= len(self._items.popitem(last=False)[1])


_cache = _NodeCache()


class MetadataRepository:
    """Blobs, tree nodes and versions, within the unit of work's transaction."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn
        self._sharing = False

    def _share_with_writers(self) -> None:
        """Before writing nodes or blobs (which may already be stored, unreferenced), take the
        lock every writer shares and garbage collection takes alone, until the transaction
        ends: collection never deletes what this transaction is about to reference. SQLite's
        writer already holds the whole database."""
        if not self._sharing and self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql("SELECT pg_advisory_xact_lock_shared(%s)", (GC_LOCK,))
        self._sharing = True

    def pin_tree(self, root: str, *, job_id: int) -> None:
        """Keep a tree stored ahead of its use from garbage collection while ``job_id`` runs."""
        self._share_with_writers()
        self._insert_new("tree_pins", {"root": "text", "job_id": "bigint"}, [(root, job_id)])

    def get_nodes(self, hashes: Iterable[str]) -> dict[str, Node]:
        wanted = set(hashes)
        found: dict[str, Node] = {}
        missing: list[str] = []
        for digest in wanted:
            node = _cache.get(digest)
            if node is None:
                missing.append(digest)
            else:
                found[digest] = node
        for chunk in _chunks(sorted(missing)):  # hash order: rows were stored in it
            for digest, data in self._select_nodes(chunk):
                node = bytes(data)
                _cache.add(digest, node)
                found[digest] = node
        if len(found) != len(wanted):
            absent = sorted(wanted - found.keys())
            raise KeyError(f"tree nodes missing from the store: {absent[:3]}")
        return found

    def _select_nodes(self, chunk: list[str]) -> list[tuple[str, bytes]]:
        """Rows of ``tree_nodes`` by hash, in driver SQL: this runs once per level of every
        tree walk, and building an IN list through SQLAlchemy costs more than the fetch."""
        if self._conn.dialect.name == "postgresql":
            sql = "SELECT hash, data FROM tree_nodes WHERE hash = ANY(%s)"
            params: tuple[object, ...] = (chunk,)
        else:
            marks = ",".join("?" * len(chunk))
            sql, params = f"SELECT hash, data FROM tree_nodes WHERE hash IN ({marks})", tuple(chunk)
        return [(h, d) for h, d in self._conn.exec_driver_sql(sql, params).fetchall()]

    def put_nodes(self, nodes: Mapping[str, Node]) -> None:
        self._share_with_writers()
        self._insert_new("tree_nodes", {"hash": "text", "data": "bytea"}, nodes.items())

    def put_blobs(self, blobs: Mapping[str, bytes]) -> None:
        """Store file contents not stored yet (by their sha256)."""
        self._share_with_writers()
        rows = ((h, len(data), data) for h, data in blobs.items())
        self._insert_new("blobs", {"hash": "text", "size": "bigint", "data": "bytea"}, rows)

    def get_blobs(self, hashes: Iterable[str]) -> dict[str, bytes]:
        """Contents by hash. Small ones come with one query per chunk of hashes; large ones
        in queries of about _BULK_BYTES (a driver holds a whole result, on PostgreSQL twice
        its size as text, before handing out rows)."""
        wanted = sorted(set(hashes))  # hash order: rows were stored in it
        out: dict[str, bytes] = {}
        data = sa.case((t.blobs.c.size <= _INLINE_BYTES, t.blobs.c.data), else_=sa.null())
        large: list[tuple[str, int]] = []
        for chunk in _chunks(wanted):
            query = sa.select(t.blobs.c.hash, t.blobs.c.size, data).where(t.blobs.c.hash.in_(chunk))
            for h, size, d in self._conn.execute(query):
                if size > _INLINE_BYTES:
                    large.append((h, size))
                else:
                    out[h] = bytes(d)
        for batch in _grouped(large, weight=lambda item: item[1]):
            query = sa.select(t.blobs.c.hash, t.blobs.c.data).where(
                t.blobs.c.hash.in_([h for h, _ in batch])
            )
            out.update((h, bytes(d)) for h, d in self._conn.execute(query))
        return out

    def add_version(
        self,
        *,
        org_id: str,
        parent_id: int | None,
        root: str,
        kind: VersionKind,
        author: str,
        reason: str,
        at: datetime,
        components: int,
    ) -> OrgVersion:
        number = 1 + (
            self._conn.execute(
                sa.select(sa.func.max(t.org_versions.c.number)).where(
                    t.org_versions.c.org_id == org_id
                )
            ).scalar()
            or 0
        )
        values: dict[str, Any] = {
            "org_id": org_id,
            "number": number,
            "parent_id": parent_id,
            "root": root,
            "kind": kind.value,
            "author": author,
            "reason": reason,
            "created_at": at,
            "components": components,
        }
        new_id = self._conn.execute(t.org_versions.insert().values(**values)).inserted_primary_key[
            0
        ]
        return OrgVersion(id=int(new_id), **{**values, "kind": kind})

    def move_head(self, org_id: str, *, expected: int | None, new: int) -> None:
        """Compare-and-set the org's head: fails if another change moved it meanwhile."""
        o = t.orgs
        condition = (
            o.c.head_version_id.is_(None) if expected is None else (o.c.head_version_id == expected)
        )
        result = self._conn.execute(
            o.update().where(o.c.id == org_id, condition).values(head_version_id=new)
        )
        if result.rowcount != 1:
            raise Conflict("the org's metadata changed meanwhile; nothing was written, try again")

    def get_version(self, version_id: int) -> OrgVersion | None:
        row = self._conn.execute(
            sa.select(t.org_versions).where(t.org_versions.c.id == version_id)
        ).first()
        return _version(row) if row else None

    def version_number(self, org_id: str, number: int) -> OrgVersion | None:
        row = self._conn.execute(
            sa.select(t.org_versions).where(
                t.org_versions.c.org_id == org_id, t.org_versions.c.number == number
            )
        ).first()
        return _version(row) if row else None

    def versions(self, org_id: str) -> list[OrgVersion]:
        query = (
            sa.select(t.org_versions)
            .where(t.org_versions.c.org_id == org_id)
            .order_by(t.org_versions.c.number)
        )
        return [_version(r) for r in self._conn.execute(query)]

    def get_analyses(
        self, keys: Iterable[tuple[str, ComponentKey]]
    ) -> dict[tuple[str, ComponentKey], Any]:
        """Cached analyses by (component content, key)."""
        a = t.component_analyses
        wanted = list(keys)
        out: dict[tuple[str, ComponentKey], Any] = {}
        by_content: dict[str, set[ComponentKey]] = {}
        for content, key in wanted:
            by_content.setdefault(content, set()).add(key)
        for chunk in _chunks(list(by_content)):
            for row in self._conn.execute(sa.select(a).where(a.c.content.in_(chunk))):
                key = ComponentKey(row.type, row.name)
                if key in by_content[row.content]:
                    out[(row.content, key)] = row.data
        return out

    def put_analyses(
        self,
        analyses: Mapping[tuple[str, ComponentKey], Any],
        names: Mapping[tuple[str, ComponentKey], Iterable[tuple[str, str, str]]] | None = None,
    ) -> None:
        """Store analyses not stored yet (they never change: the content is immutable), with
        the names (type, lower-cased name, holding object or "") each may resolve to."""
        if not analyses:
            return
        # The dialect's module: the engine loaded it (importing both would load PostgreSQL's
        # on every SQLite start).
        insert = import_module(f"sqlalchemy.dialects.{self._conn.dialect.name}").insert
        rows = [
            {"content": c, "type": k.type, "name": k.name, "data": data}
            for (c, k), data in analyses.items()
        ]
        for start in range(0, len(rows), _CHUNK):
            self._conn.execute(
                insert(t.component_analyses).on_conflict_do_nothing(), rows[start : start + _CHUNK]
            )
        self._insert_new(
            "reference_names",
            {
                "content": "text",
                "type": "text",
                "name": "text",
                "target_type": "text",
                "target_name": "text",
                "target_object": "text",
            },
            (
                (c, k.type, k.name, *name)
                for (c, k), found in (names or {}).items()
                for name in found
            ),
        )

    def users_of(
        self, names: Iterable[tuple[str, str]], objects: Iterable[str] = ()
    ) -> set[tuple[str, ComponentKey]]:
        """Analyses (content, key) whose references may resolve to one of ``names`` (type,
        lower-cased name) or to a child of one of ``objects`` (lower-cased)."""
        r = t.reference_names
        by_type: dict[str, list[str]] = {}
        for type_, name in names:
            by_type.setdefault(type_, []).append(name)
        conditions = [
            sa.and_(r.c.target_type == type_, r.c.target_name.in_(chunk))
            for type_, wanted in by_type.items()
            for chunk in _chunks(sorted(set(wanted)))
        ]
        conditions += [r.c.target_object.in_(chunk) for chunk in _chunks(sorted(set(objects)))]
        found: set[tuple[str, ComponentKey]] = set()
        for condition in conditions:
            query = sa.select(r.c.content, r.c.type, r.c.name).where(condition).distinct()
            found.update((c, ComponentKey(ty, n)) for c, ty, n in self._conn.execute(query))
        return found

    def is_analysed(self, key: str) -> bool:
        """Whether the tree recorded under ``key`` has every component analysed."""
        a = t.analysed_trees
        return self._conn.execute(sa.select(a.c.key).where(a.c.key == key)).first() is not None

    def mark_analysed(self, keys: Iterable[str]) -> None:
        """Record trees whose every component is analysed (their analyses stored first)."""
        self._insert_new("analysed_trees", {"key": "text"}, ((k,) for k in keys))

    def _insert_new(
        self, table: str, columns: Mapping[str, str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        """Insert the rows whose hash (first column) is not stored yet.

        Driver SQL, because an import stores hundreds of thousands of rows and SQLAlchemy's
        per-row parameter handling would cost more than the database: SQLite gets one
        ``executemany``, PostgreSQL one statement per chunk of arrays (``unnest``). Rows go
        in hash order, so the hash index fills page by page.
        """
        ordered = sorted(rows)
        if not ordered:
            return
        names = ", ".join(columns)
        if self._conn.dialect.name == "postgresql":
            arrays = ", ".join(f"%b::{type_}[]" for type_ in columns.values())
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"
            sql += " ON CONFLICT DO NOTHING"
            marks = ", ".join("%b" for _ in columns)
            single = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
            for chunk in _batches(ordered):
                if len(chunk) == 1:  # a large file: no array around it to build and copy
                    self._conn.exec_driver_sql(single, chunk[0])
                else:
                    columns_of = tuple(list(c) for c in zip(*chunk, strict=True))
                    self._conn.exec_driver_sql(sql, columns_of)
        else:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
            for chunk in _batches(ordered):
                self._conn.exec_driver_sql(sql, chunk)


def _batches(rows: list[tuple[Any, ...]]) -> Iterable[list[tuple[Any, ...]]]:
    """Rows in statements of at most _BULK rows and about _BULK_BYTES of data: the driver
    copies a statement's parameters, so large file contents go a few at a time."""
    return _grouped(rows, weight=lambda row: sum(len(v) for v in row if isinstance(v, bytes)))


def _grouped(items: Iterable[_T], *, weight: Callable[[_T], int]) -> Iterator[list[_T]]:
    """``items`` in groups of at most _BULK items weighing about _BULK_BYTES in all (an item
    heavier than that alone)."""
    group: list[_T] = []
    size = 0
    for item in items:
        w = weight(item)
        if group and (len(group) >= _BULK or size + w > _BULK_BYTES):
            yield group
            group, size = [], 0
        group.append(item)
        size += w
    if group:
        yield group


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _version(row: sa.Row[Any]) -> OrgVersion:
    return OrgVersion(
        id=row.id,
        org_id=row.org_id,
        number=row.number,
        parent_id=row.parent_id,
        root=row.root,
        kind=VersionKind(row.kind),
        author=row.author,
        reason=row.reason,
        created_at=row.created_at,
        components=row.components,
    )
