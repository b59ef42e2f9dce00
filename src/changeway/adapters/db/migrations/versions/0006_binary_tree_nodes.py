"""Trie nodes become compact binary records, 64 ways wide (docs/adr/0007-binary-tree-nodes.md).

Every version's tree is rebuilt in the new encoding and its ``root`` rewritten; component
nodes (and so every component hash that change sets, deployments and analyses hold) are
unchanged. Versions are converted oldest first: one whose parent is converted applies only
what differs from it, so the work follows the history's changes, not its length times the
org's size. The superseded JSON trie nodes are deleted.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from changeway.adapters.db.metadata_store import MetadataRepository
from changeway.domain import tree
from changeway.domain.components import ComponentKey

revision = "0006"
down_revision = "0005"

# How the JSON trie nodes began: {"t": ...} roots, {"c": ..., "n": ...} internal nodes and
# {"l": ...} leaves. Component nodes begin with {"f": and stay.
_JSON_TRIE = (b'{"t":', b'{"c":', b'{"l":')


def upgrade() -> None:
    conn = op.get_bind()
    store = MetadataRepository(conn)
    old = _JsonTries(store)
    versions = sa.table("org_versions", sa.column("id"), sa.column("parent_id"), sa.column("root"))
    rows = conn.execute(
        sa.select(versions.c.id, versions.c.parent_id, versions.c.root).order_by(versions.c.id)
    ).all()
    converted: dict[str, str] = {}  # old root -> new root
    old_root_of: dict[int, str] = {}
    for version_id, parent_id, root in rows:
        old_root_of[version_id] = root
        if root in converted:
            continue
        parent_root = old_root_of.get(parent_id) if parent_id is not None else None
        if parent_root in converted:
            assert parent_root is not None
            changes = old.differences(parent_root, root)
            converted[root] = tree.apply_changes(store, converted[parent_root], changes)
        else:
            converted[root] = tree.build_root(store, old.components(root))
        old.forget()
    for old_root, new_root in converted.items():
        conn.execute(versions.update().where(versions.c.root == old_root).values(root=new_root))
    nodes = sa.table("tree_nodes", sa.column("data", sa.LargeBinary()))
    conn.execute(nodes.delete().where(sa.func.substr(nodes.c.data, 1, 5).in_(_JSON_TRIE)))


def downgrade() -> None:
    raise NotImplementedError(
        "tree nodes cannot go back to their JSON encoding; restore a backup taken before 0006"
    )


class _JsonTries:
    """Reads tries in the JSON encoding: every component, or what differs between two."""

    def __init__(self, store: MetadataRepository) -> None:
        self._store = store
        self._nodes: dict[str, Any] = {}

    def forget(self) -> None:
        if len(self._nodes) > 100_000:
            self._nodes.clear()

    def _node(self, digest: str) -> Any:
        if digest not in self._nodes:
            self._nodes[digest] = json.loads(self._store.get_nodes([digest])[digest])
        return self._nodes[digest]

    def _entries(self, digest: str | None) -> dict[str, str]:
        if digest is None:
            return {}
        node = self._node(digest)
        if "l" in node:
            return dict(node["l"])
        out: dict[str, str] = {}
        for child, _count in node["c"].values():
            out.update(self._entries(child))
        return out

    def components(self, root: str) -> dict[ComponentKey, str]:
        out: dict[ComponentKey, str] = {}
        for type_, (digest, _count) in self._node(root)["t"].items():
            out.update((ComponentKey(type_, n), h) for n, h in self._entries(digest).items())
        return out

    def differences(self, root_a: str, root_b: str) -> dict[ComponentKey, str | None]:
        types_a, types_b = self._node(root_a)["t"], self._node(root_b)["t"]
        out: dict[ComponentKey, str | None] = {}
        for type_ in types_a.keys() | types_b.keys():
            a = types_a[type_][0] if type_ in types_a else None
            b = types_b[type_][0] if type_ in types_b else None
            out.update((ComponentKey(type_, n), h) for n, h in self._diff(a, b).items())
        return out

    def _diff(self, a: str | None, b: str | None) -> dict[str, str | None]:
        """name -> content in ``b`` (None: gone) for what differs, skipping equal subtrees."""
        if a == b:
            return {}
        na = self._node(a) if a else None
        nb = self._node(b) if b else None
        if na is not None and nb is not None and "c" in na and "c" in nb:
            out: dict[str, str | None] = {}
            for digit in na["c"].keys() | nb["c"].keys():
                ca = na["c"][digit][0] if digit in na["c"] else None
                cb = nb["c"][digit][0] if digit in nb["c"] else None
                out.update(self._diff(ca, cb))
            return out
        ea, eb = self._entries(a), self._entries(b)
        return {n: eb.get(n) for n in ea.keys() | eb.keys() if ea.get(n) != eb.get(n)}
