"""Migration 0006: a store whose trees were written as JSON keeps every version's content.

The store is migrated to 0005, filled by hand with trees in the JSON encoding that 0005 used
(root ``{"t": ...}``, 16-way internal nodes ``{"c": ..., "n": ...}``, leaves ``{"l": ...}``
of up to 64 entries), then migrated to the newest schema and read back through the domain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from changeway.adapters.db import schema as t
from changeway.adapters.db.engine import MIGRATIONS, create_engine, migrate
from changeway.adapters.db.metadata_store import MetadataRepository
from changeway.domain import tree
from changeway.domain.components import ComponentKey
from tests import stores
from tests.unit.test_tree import MemoryNodes


def _json(node: Any) -> bytes:
    return json.dumps(node, sort_keys=True, separators=(",", ":")).encode()


class JsonTrees:
    """Builds trees as the JSON encoding laid them out, collecting their nodes."""

    def __init__(self) -> None:
        self.nodes: dict[str, bytes] = {}

    def _put(self, node: Any) -> str:
        data = _json(node)
        digest = hashlib.sha256(data).hexdigest()
        self.nodes[digest] = data
        return digest

    def _trie(self, entries: dict[str, str], depth: int) -> list[Any]:
        if len(entries) <= 64:
            return [self._put({"l": sorted(entries.items())}), len(entries)]
        groups: dict[str, dict[str, str]] = {}
        for name, comp in entries.items():
            digit = hashlib.sha256(name.lower().encode()).hexdigest()[depth]
            groups.setdefault(digit, {})[name] = comp
        children = {d: self._trie(group, depth + 1) for d, group in groups.items()}
        return [self._put({"c": children, "n": len(entries)}), len(entries)]

    def root(self, components: dict[ComponentKey, str]) -> str:
        by_type: dict[str, dict[str, str]] = {}
        for key, comp in components.items():
            by_type.setdefault(key.type, {})[key.name] = comp
        return self._put({"t": {ty: self._trie(e, 0) for ty, e in by_type.items()}})


def _component(i: int) -> bytes:
    return tree.component_node({f"C{i}.cls": b"x"})[0]


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """A store migrated only as far as 0005, the last schema with JSON trie nodes."""
    with stores.store(backend, tmp_path) as (settings, schema):
        if backend == "sqlite":
            settings.data_dir.mkdir(parents=True)
        engine = create_engine(settings.database_url, schema=schema)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
            connection.commit()
        try:
            yield engine
        finally:
            engine.dispose()


def test_every_version_keeps_its_components_in_the_new_encoding(engine: sa.Engine) -> None:
    component_nodes = {hashlib.sha256(d).hexdigest(): d for d in map(_component, range(400))}
    hashes = list(component_nodes)
    v1 = {ComponentKey("ApexClass", f"Class{i}"): hashes[i] for i in range(300)}
    v1 |= {ComponentKey("CustomObject", f"Obj{i}__c"): hashes[300 + i] for i in range(5)}
    v2 = dict(v1)
    for i in range(3):
        v2[ComponentKey("ApexClass", f"Class{i}")] = hashes[350 + i]
    del v2[ComponentKey("ApexClass", "Class200")]
    v2[ComponentKey("ApexClass", "Class999")] = hashes[360]
    v2[ComponentKey("Layout", "Obj0__c-Layout")] = hashes[361]
    v4 = {k: h for k, h in v2.items() if k.type != "CustomObject"}
    old = JsonTrees()
    # v3 is a sandbox copy of v2 (same root, another org); v5 a second org's empty start.
    history = [(1, "A", None, v1), (2, "A", 1, v2), (3, "B", 2, v2), (4, "B", 3, v4)]
    history.append((5, "C", None, {}))
    old_roots = {number: old.root(content) for number, _org, _parent, content in history}
    assert len(old.nodes) > 10  # 300 classes need internal nodes in the JSON encoding
    with engine.begin() as conn:
        conn.execute(
            t.tree_nodes.insert(),
            [{"hash": h, "data": d} for h, d in (old.nodes | component_nodes).items()],
        )
        conn.execute(
            t.org_versions.insert(),
            [
                {
                    "id": number,
                    "org_id": org,
                    "number": number,
                    "parent_id": parent,
                    "root": old_roots[number],
                    "kind": "import",
                    "author": "alice",
                    "reason": "by hand",
                    "created_at": datetime(2026, 1, 5, tzinfo=UTC),
                    "components": len(content),
                }
                for number, org, parent, content in history
            ],
        )

    migrate(engine)

    with engine.connect() as conn:
        roots = dict(conn.execute(sa.select(t.org_versions.c.id, t.org_versions.c.root)).all())
        store = MetadataRepository(conn)
        fresh = MemoryNodes()
        for number, _org, _parent, content in history:
            assert dict(tree.iter_components(store, roots[number])) == content
            assert roots[number] == tree.build_root(fresh, content)  # canonical shape
        assert roots[2] == roots[3]
        assert roots[5] == tree.EMPTY_ROOT_HASH
        stored = dict(conn.execute(sa.select(t.tree_nodes.c.hash, t.tree_nodes.c.data)).all())
    assert not set(old.nodes) & set(stored), "JSON trie nodes are left behind"
    for digest, data in component_nodes.items():
        assert bytes(stored[digest]) == data  # component nodes untouched
