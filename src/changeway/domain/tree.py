"""An org's metadata at a version: an immutable, content-addressed tree (like git's).

A *component node* lists a component's files (path, content hash, size). The *root* maps each
metadata type to a hash trie of that type's components (full name -> component node hash):
a trie node holds up to ``LEAF_MAX`` entries, or splits 16 ways on the next hex digit of
sha256(full name). The shape depends only on the content, so equal sets have equal hashes.
A change rewrites only the nodes on the paths it touches; a copy is a new pointer to the same
root; a comparison skips every subtree whose hash is equal on both sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from changeway.domain.components import ComponentKey

LEAF_MAX = 64
Node = dict[str, Any]


class NodeStore(Protocol):
    """Where tree nodes live, addressed by the sha256 of their canonical encoding."""

    def get_nodes(self, hashes: Iterable[str]) -> dict[str, Node]: ...
    def put_nodes(self, nodes: Mapping[str, Node]) -> None: ...


def encode(node: Node) -> bytes:
    """The canonical bytes of a node (its hash is the sha256 of these)."""
    return json.dumps(node, sort_keys=True, separators=(",", ":")).encode()


def node_hash(node: Node) -> str:
    return hashlib.sha256(encode(node)).hexdigest()


def content_hash(data: bytes) -> str:
    """The address of a file's content."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileRef:
    """A file of a component: its source-format path, content hash and size."""

    path: str
    hash: str
    size: int


def component_node(files: Iterable[FileRef]) -> Node:
    return {"f": sorted([f.path, f.hash, f.size] for f in files)}


def component_files(node: Node) -> list[FileRef]:
    return [FileRef(path, digest, size) for path, digest, size in node["f"]]


EMPTY_ROOT: Node = {"t": {}}
EMPTY_ROOT_HASH = node_hash(EMPTY_ROOT)


def _name_digest(name: str) -> str:
    """Where a name sits in its type's trie: the hex digits of its hash, one per level.

    Salesforce names are case-insensitive: every spelling of a name lands in one bucket,
    so a case-insensitive lookup walks a single path.
    """
    return hashlib.sha256(name.lower().encode()).hexdigest()


def _digit(name: str, depth: int) -> str:
    return _name_digest(name)[depth]


class _Writer:
    """Collects new nodes so a change writes them in one batch."""

    def __init__(self, store: NodeStore) -> None:
        self.store = store
        self.new: dict[str, Node] = {}

    def put(self, node: Node) -> str:
        digest = node_hash(node)
        self.new[digest] = node
        return digest

    def load(self, digest: str) -> Node:
        if digest in self.new:
            return self.new[digest]
        return self.store.get_nodes([digest])[digest]


def _build(writer: _Writer, entries: dict[str, str], depth: int) -> tuple[str, int] | None:
    """Write the trie for ``entries`` (name -> component hash); ``None`` when empty."""
    if not entries:
        return None
    if len(entries) <= LEAF_MAX or depth >= 63:
        return writer.put({"l": sorted(entries.items())}), len(entries)
    groups: dict[str, dict[str, str]] = {}
    for name, comp in entries.items():
        groups.setdefault(_digit(name, depth), {})[name] = comp
    children: dict[str, list[Any]] = {}
    for digit, group in groups.items():
        built = _build(writer, group, depth + 1)
        if built:
            children[digit] = list(built)
    return writer.put({"c": children, "n": len(entries)}), len(entries)


def _entries(writer: _Writer, digest: str) -> dict[str, str]:
    """Every (name -> component hash) under a trie node."""
    node = writer.load(digest)
    if "l" in node:
        return dict(node["l"])
    out: dict[str, str] = {}
    for child, _count in node["c"].values():
        out.update(_entries(writer, child))
    return out


def _apply(
    writer: _Writer, digest: str | None, changes: dict[str, str | None], depth: int
) -> tuple[str, int] | None:
    """Apply ``changes`` (name -> new component hash, or None to delete) below a trie node."""
    node = writer.load(digest) if digest else None
    if node is None or "l" in node:
        entries = dict(node["l"]) if node else {}
        for name, comp in changes.items():
            if comp is None:
                entries.pop(name, None)
            else:
                entries[name] = comp
        return _build(writer, entries, depth)
    children = {d: list(v) for d, v in node["c"].items()}
    groups: dict[str, dict[str, str | None]] = {}
    for name, comp in changes.items():
        groups.setdefault(_digit(name, depth), {})[name] = comp
    for digit, group in groups.items():
        current = children.get(digit)
        result = _apply(writer, current[0] if current else None, group, depth + 1)
        if result is None:
            children.pop(digit, None)
        else:
            children[digit] = list(result)
    total = sum(count for _h, count in children.values())
    if total <= LEAF_MAX:
        merged: dict[str, str] = {}
        for child, _count in children.values():
            merged.update(_entries(writer, child))
        return _build(writer, merged, depth)
    return writer.put({"c": children, "n": total}), total


def apply_changes(store: NodeStore, root: str, changes: Mapping[ComponentKey, str | None]) -> str:
    """A new root with ``changes`` applied (component node hash, or None to delete)."""
    writer = _Writer(store)
    types = {t: list(v) for t, v in writer.load(root)["t"].items()}
    by_type: dict[str, dict[str, str | None]] = {}
    for key, comp in changes.items():
        by_type.setdefault(key.type, {})[key.name] = comp
    for type_, group in by_type.items():
        current = types.get(type_)
        result = _apply(writer, current[0] if current else None, group, 0)
        if result is None:
            types.pop(type_, None)
        else:
            types[type_] = list(result)
    new_root = writer.put({"t": types})
    store.put_nodes(writer.new)
    return new_root


def build_root(store: NodeStore, components: Mapping[ComponentKey, str]) -> str:
    """The root for exactly ``components`` (component node hashes), written in one batch."""
    store.put_nodes({EMPTY_ROOT_HASH: EMPTY_ROOT})
    return apply_changes(store, EMPTY_ROOT_HASH, components)


def count(store: NodeStore, root: str) -> dict[str, int]:
    """How many components of each type the version holds (read from the root alone)."""
    return {t: n for t, (_h, n) in store.get_nodes([root])[root]["t"].items()}


def iter_components(
    store: NodeStore, root: str, *, type_: str | None = None
) -> Iterator[tuple[ComponentKey, str]]:
    """Every component (key, component node hash), type by type, names in order."""
    types = store.get_nodes([root])[root]["t"]
    for t in sorted(types):
        if type_ is not None and t != type_:
            continue
        entries: dict[str, str] = {}
        frontier = [types[t][0]]
        while frontier:
            nodes = store.get_nodes(frontier)
            frontier = []
            for digest in nodes:
                node = nodes[digest]
                if "l" in node:
                    entries.update(node["l"])
                else:
                    frontier.extend(child for child, _n in node["c"].values())
        for name in sorted(entries):
            yield ComponentKey(t, name), entries[name]


def lookup(store: NodeStore, root: str, key: ComponentKey) -> str | None:
    """The component node hash of ``key`` in the version, or None."""
    return dict(_bucket(store, root, key)).get(key.name)


def spelling(store: NodeStore, root: str, key: ComponentKey) -> ComponentKey | None:
    """The key as the version spells it, matching ``key``'s name case-insensitively."""
    wanted = key.name.lower()
    for name, _comp in _bucket(store, root, key):
        if name.lower() == wanted:
            return ComponentKey(key.type, name)
    return None


def _bucket(store: NodeStore, root: str, key: ComponentKey) -> list[tuple[str, str]]:
    """The leaf entries where ``key`` (in any spelling) would be."""
    types = store.get_nodes([root])[root]["t"]
    if key.type not in types:
        return []
    return _bucket_from(store, types[key.type][0], key.name, 0)


def _bucket_from(store: NodeStore, digest: str, name: str, depth: int) -> list[tuple[str, str]]:
    """The leaf entries under the trie node ``digest`` (at ``depth``) where ``name`` would be."""
    while True:
        node = store.get_nodes([digest])[digest]
        if "l" in node:
            return [(entry, comp) for entry, comp in node["l"]]
        child = node["c"].get(_digit(name, depth))
        if child is None:
            return []
        digest, depth = child[0], depth + 1


@dataclass(frozen=True)
class Difference:
    """A component that differs: ``before`` / ``after`` are component hashes or None."""

    key: ComponentKey
    before: str | None
    after: str | None


def diff(
    store: NodeStore, root_a: str, root_b: str, *, only: Iterable[ComponentKey] | None = None
) -> list[Difference]:
    """Components that differ between two versions, visiting only subtrees that differ.

    Levels are loaded in batches, so the cost follows the size of the difference; with
    ``only``, subtrees that hold none of those components are skipped too.
    """
    if root_a == root_b:
        return []
    wanted = _Wanted(only) if only is not None else None
    roots = store.get_nodes({root_a, root_b})
    types_a, types_b = roots[root_a]["t"], roots[root_b]["t"]
    pairs: list[tuple[str, str, str | None, str | None]] = []
    for t in set(types_a) | set(types_b):
        ha = types_a[t][0] if t in types_a else None
        hb = types_b[t][0] if t in types_b else None
        if ha != hb and (wanted is None or wanted.under(t, "")):
            pairs.append((t, "", ha, hb))
    out: list[Difference] = []
    while pairs:
        nodes = store.get_nodes({h for _t, _p, ha, hb in pairs for h in (ha, hb) if h})
        next_pairs: list[tuple[str, str, str | None, str | None]] = []
        for t, prefix, ha, hb in pairs:
            na, nb = (nodes[ha] if ha else None), (nodes[hb] if hb else None)
            if na is not None and nb is not None and "c" in na and "c" in nb:
                ca, cb = na["c"], nb["c"]
                for d in set(ca) | set(cb):
                    xa = ca[d][0] if d in ca else None
                    xb = cb[d][0] if d in cb else None
                    if xa != xb and (wanted is None or wanted.under(t, prefix + d)):
                        next_pairs.append((t, prefix + d, xa, xb))
                continue
            if wanted is not None and not (_is_leaf(na) and _is_leaf(nb)):
                # Shapes differ (a side is missing or split): look the wanted names up.
                for name in wanted.names_under(t, prefix):
                    before = _find(store, ha, name, len(prefix))
                    after = _find(store, hb, name, len(prefix))
                    if before != after:
                        out.append(Difference(ComponentKey(t, name), before, after))
                continue
            ea = _leaf_or_entries(store, na, ha)
            eb = _leaf_or_entries(store, nb, hb)
            for name in set(ea) | set(eb):
                before, after = ea.get(name), eb.get(name)
                if before != after and (wanted is None or wanted.has(t, name)):
                    out.append(Difference(ComponentKey(t, name), before, after))
        pairs = next_pairs
    return sorted(out, key=lambda d: d.key)


def _is_leaf(node: Node | None) -> bool:
    return node is not None and "l" in node


def _find(store: NodeStore, digest: str | None, name: str, depth: int) -> str | None:
    """The component hash of ``name`` under a trie node at ``depth``, or None."""
    return dict(_bucket_from(store, digest, name, depth)).get(name) if digest else None


def _leaf_or_entries(store: NodeStore, node: Node | None, digest: str | None) -> dict[str, str]:
    """A leaf's entries as loaded, or every entry under an internal node (rare shape change)."""
    if node is None or digest is None:
        return {}
    if "l" in node:
        return dict(node["l"])
    return _entries(_Writer(store), digest)


class _Wanted:
    """The components a restricted diff looks at, with the trie paths that lead to them."""

    def __init__(self, keys: Iterable[ComponentKey]) -> None:
        self._digests: dict[str, dict[str, str]] = {}
        self._paths: dict[str, set[str]] = {}
        for key in keys:
            digest = _name_digest(key.name)
            self._digests.setdefault(key.type, {})[key.name] = digest
            self._paths.setdefault(key.type, set()).update(digest[:i] for i in range(12))

    def under(self, type_: str, prefix: str) -> bool:
        paths = self._paths.get(type_)
        return paths is not None and (len(prefix) >= 12 or prefix in paths)

    def has(self, type_: str, name: str) -> bool:
        return name in self._digests.get(type_, {})

    def names_under(self, type_: str, prefix: str) -> list[str]:
        digests = self._digests.get(type_, {})
        return [name for name, digest in digests.items() if digest.startswith(prefix)]
