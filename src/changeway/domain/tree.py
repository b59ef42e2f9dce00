"""An org's metadata at a version: an immutable, content-addressed tree (like git's).

A *component node* lists a component's files (path, content hash, size) as canonical JSON.
The *root* maps each metadata type to a hash trie of that type's components (full name ->
component node hash): a trie node holds up to ``LEAF_MAX`` entries, or splits ``FANOUT`` ways
on the next ``BITS`` bits of sha256(lower-cased full name). Trie nodes are compact binary
records (raw 32-byte hashes, no parser needed; docs/adr/0007-binary-tree-nodes.md). The shape
depends only on the content, so equal sets have equal hashes. A change rewrites only the nodes
on the paths it touches; a copy is a new pointer to the same root; a comparison skips every
subtree whose hash is equal on both sides. Nodes on the same level are read in one batch.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol, TypeVar

from changeway.domain.components import ComponentKey

V = TypeVar("V")

LEAF_MAX = 128
BITS = 6
FANOUT = 1 << BITS
MAX_DEPTH = 256 // BITS  # a node this deep holds its entries whatever their number

Node = bytes  # a stored node: its canonical bytes, whose sha256 is its hash


class NodeStore(Protocol):
    """Where tree nodes live, addressed by the sha256 of their bytes."""

    def get_nodes(self, hashes: Iterable[str]) -> dict[str, Node]: ...
    def put_nodes(self, nodes: Mapping[str, Node]) -> None: ...


def node_hash(node: Node) -> str:
    """The address of a node: the sha256 of its bytes."""
    return hashlib.sha256(node).hexdigest()


class FileRef(NamedTuple):
    """A file of a component: its source-format path, content hash and size."""

    path: str
    hash: str
    size: int


_json_string = json.encoder.encode_basestring_ascii


def component_node(files: Mapping[str, bytes]) -> tuple[Node, dict[str, bytes]]:
    """A component's node, from its files (path -> bytes), and their contents by hash.

    The node is ``{"f":[[path,hash,size],...]}`` sorted by path, as compact ASCII JSON:
    written by hand because this runs once per stored component, with exactly the bytes of
    ``json.dumps(..., sort_keys=True, separators=(",", ":"))``, so hashes stay stable.
    """
    contents: dict[str, bytes] = {}
    rows = []
    for path, data in sorted(files.items()):
        digest = hashlib.sha256(data).hexdigest()
        contents[digest] = data
        rows.append(f'[{_json_string(path)},"{digest}",{len(data)}]')
    return f'{{"f":[{",".join(rows)}]}}'.encode(), contents


def component_files(node: Node) -> list[FileRef]:
    """The files a component node lists (listings read one per component: no JSON parser
    unless a path needed escaping, which the canonical form marks with a backslash; without
    one, no path holds a quote, so one regular expression splits the rows)."""
    text = node.decode("ascii")
    if "\\" in text:
        return [FileRef(*row) for row in json.loads(text)["f"]]
    return [FileRef(path, digest, int(size)) for path, digest, size in _ROW.findall(text)]


_ROW = re.compile(r'\["([^"]*)","([0-9a-f]{64})",([0-9]+)\]')


# Trie nodes. A root or a leaf: tag, entry count, byte length of the names, the names
# (UTF-8, NUL-separated, sorted), the entries' 32-byte hashes, and (root only) each type's
# component count. An internal node: tag, a 64-bit map of its non-empty slots, then each
# child's hash and its component count, in slot order.
_ROOT, _INTERNAL, _LEAF = b"R"[0], b"I"[0], b"L"[0]
_NAMED = struct.Struct(">BII")
_INNER = struct.Struct(">BQ")


def _encode_named(tag: int, entries: Mapping[str, str], counts: Mapping[str, int] | None) -> Node:
    names = sorted(entries)
    text = "\0".join(names).encode()
    if text.count(b"\0") != max(len(names) - 1, 0):
        raise ValueError("component and type names cannot contain NUL characters")
    data = _NAMED.pack(tag, len(names), len(text)) + text
    data += bytes.fromhex("".join(entries[n] for n in names))
    if counts is not None:
        data += struct.pack(f">{len(names)}I", *(counts[n] for n in names))
    return data


def _decode_named(data: Node) -> tuple[list[str], list[str], tuple[int, ...]]:
    """Names, hashes and (root only) counts of a root or leaf node."""
    tag, n, size = _NAMED.unpack_from(data)
    if n == 0:
        return [], [], ()
    start = _NAMED.size + size
    names = data[_NAMED.size : start].decode().split("\0")
    hexes = data[start : start + 32 * n].hex()
    hashes = [hexes[i : i + 64] for i in range(0, 64 * n, 64)]
    counts = struct.unpack_from(f">{n}I", data, start + 32 * n) if tag == _ROOT else ()
    return names, hashes, counts


def _encode_root(types: Mapping[str, tuple[str, int]]) -> Node:
    return _encode_named(
        _ROOT, {t: h for t, (h, _n) in types.items()}, {t: n for t, (_h, n) in types.items()}
    )


@lru_cache(maxsize=256)
def _types(data: Node) -> dict[str, tuple[str, int]]:
    """A root's types: name -> (trie hash, component count). Read-only (shared)."""
    names, hashes, counts = _decode_named(data)
    return {t: (h, n) for t, h, n in zip(names, hashes, counts, strict=True)}


@lru_cache(maxsize=2048)
def _leaf(data: Node) -> dict[str, str]:
    """A leaf's entries: full name -> component node hash. Read-only (shared)."""
    names, hashes, _counts = _decode_named(data)
    return dict(zip(names, hashes, strict=True))


def _encode_inner(children: Mapping[int, tuple[str, int]]) -> Node:
    slots = sorted(children)
    bitmap = sum(1 << s for s in slots)
    data = _INNER.pack(_INTERNAL, bitmap)
    data += bytes.fromhex("".join(children[s][0] for s in slots))
    return data + struct.pack(f">{len(slots)}I", *(children[s][1] for s in slots))


@lru_cache(maxsize=256)
def _slots(bitmap: int) -> tuple[int, ...]:
    """The slots a 64-bit map marks as present, in order."""
    return tuple(s for s in range(FANOUT) if bitmap >> s & 1)


def _inner(data: Node) -> dict[int, tuple[str, int]]:
    """An internal node's children: slot -> (hash, component count)."""
    _tag, bitmap = _INNER.unpack_from(data)
    slots = _slots(bitmap)
    hashes = _hashes(data, _INNER.size, len(slots))
    counts = struct.unpack_from(f">{len(slots)}I", data, _INNER.size + 32 * len(slots))
    return dict(zip(slots, zip(hashes, counts, strict=True), strict=True))


def _hashes(data: Node, start: int, n: int) -> list[str]:
    """``n`` 32-byte hashes stored from ``start``, in hex."""
    hexes = data[start : start + 32 * n].hex()
    return [hexes[i : i + 64] for i in range(0, 64 * n, 64)]


def _child(data: Node, slot: int) -> str | None:
    """The hash of an internal node's child in ``slot``, read without decoding the rest."""
    _tag, bitmap = _INNER.unpack_from(data)
    if not bitmap >> slot & 1:
        return None
    start = _INNER.size + 32 * (bitmap & ((1 << slot) - 1)).bit_count()
    return data[start : start + 32].hex()


def _children(data: Node) -> list[str]:
    _tag, bitmap = _INNER.unpack_from(data)
    return _hashes(data, _INNER.size, bitmap.bit_count())


def references(node: Node) -> tuple[list[str], list[str]]:
    """What a stored node points to: (node hashes, blob hashes). A root names its type
    tries, an internal node its children, a leaf its component nodes, a component node the
    blobs of its files."""
    if node[:1] == b"{":
        return [], [f.hash for f in component_files(node)]
    if node[0] == _INTERNAL:
        return _children(node), []
    _names, hashes, _counts = _decode_named(node)
    return hashes, []


def _differing_children(a: Node, b: Node) -> list[tuple[int, str | None, str | None]]:
    """The slots where two internal nodes' children differ, with both hashes (None: absent)."""
    _tag, map_a = _INNER.unpack_from(a)
    _tag, map_b = _INNER.unpack_from(b)
    if map_a != map_b:
        ca, cb = _inner(a), _inner(b)
        return [
            (s, ca[s][0] if s in ca else None, cb[s][0] if s in cb else None)
            for s in ca.keys() | cb.keys()
            if ca.get(s, (None,))[0] != cb.get(s, (None,))[0]
        ]
    slots = _slots(map_a)
    return [(slots[i], ha, hb) for i, ha, hb in _differing_hashes(a, b, _INNER.size, len(slots))]


def _differing_entries(a: Node, b: Node) -> list[tuple[str, str | None, str | None]]:
    """The names whose component hashes differ between two leaves (None: absent)."""
    _tag, n, size = _NAMED.unpack_from(a)
    names_end = _NAMED.size + size
    if a[:names_end] != b[:names_end]:
        return _changed(_leaf(a), _leaf(b))
    names = a[_NAMED.size : names_end].decode().split("\0")
    return [(names[i], ha, hb) for i, ha, hb in _differing_hashes(a, b, names_end, n)]


def _changed(
    a: Mapping[str, str], b: Mapping[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """The names whose hashes differ between two sets of entries (None: absent)."""
    return [(n, a.get(n), b.get(n)) for n in a.keys() | b.keys() if a.get(n) != b.get(n)]


def _differing_hashes(a: Node, b: Node, start: int, n: int) -> list[tuple[int, str, str]]:
    """Where two runs of ``n`` 32-byte hashes from ``start`` differ: index and both hashes.

    XOR-ing the runs as two integers finds them without decoding the equal ones.
    """
    end = start + 32 * n
    xor = int.from_bytes(a[start:end], "big") ^ int.from_bytes(b[start:end], "big")
    out = []
    while xor:
        index = n - 1 - (xor.bit_length() - 1) // 256
        at = start + 32 * index
        out.append((index, a[at : at + 32].hex(), b[at : at + 32].hex()))
        xor &= (1 << (256 * (n - 1 - index))) - 1
    return out


def forget_decoded() -> None:
    """Drop the decoded nodes kept for reuse (benchmarks: as a freshly started process)."""
    for memo in (_types, _leaf, _position):
        memo.cache_clear()


def _is_leaf(node: Node | None) -> bool:
    return node is not None and node[0] == _LEAF


EMPTY_ROOT: Node = _encode_root({})
EMPTY_ROOT_HASH = node_hash(EMPTY_ROOT)


def _position_of(name: str) -> int:
    """Where a name sits in its type's trie: sha256 of the name, ``BITS`` bits per level.

    Salesforce names are case-insensitive: every spelling of a name lands in one bucket,
    so a case-insensitive lookup walks a single path.
    """
    return int.from_bytes(hashlib.sha256(name.lower().encode()).digest(), "big")


_position = lru_cache(maxsize=8192)(_position_of)  # for lookups, which come back to names


def _slot(name: str, depth: int) -> int:
    return _position(name) >> (256 - BITS * (depth + 1)) & (FANOUT - 1)


def _prefix(name: str, depth: int) -> int:
    """The slots leading to ``name`` from a type's trie down to ``depth``, as one number."""
    return _position(name) >> (256 - BITS * depth)


class _Writer:
    """Collects new nodes so a change writes them in one batch; reads what it already has."""

    def __init__(self, store: NodeStore, known: Mapping[str, Node] | None = None) -> None:
        self.store = store
        self.known = dict(known or {})
        self.new: dict[str, Node] = {}
        self._positions: dict[str, int] = {}

    def split(self, entries: Mapping[str, V], depth: int) -> dict[int, dict[str, V]]:
        """``entries`` grouped by their slot at ``depth`` (each name hashed once per change)."""
        shift, positions = 256 - BITS * (depth + 1), self._positions
        groups: dict[int, dict[str, V]] = {}
        for name, value in entries.items():
            position = positions.get(name)
            if position is None:
                position = positions[name] = _position_of(name)
            groups.setdefault(position >> shift & (FANOUT - 1), {})[name] = value
        return groups

    def put(self, node: Node) -> str:
        digest = node_hash(node)
        self.new[digest] = node
        self.known[digest] = node
        return digest

    def load(self, digest: str) -> Node:
        return self.load_many([digest])[digest]

    def load_many(self, digests: Iterable[str]) -> dict[str, Node]:
        wanted = set(digests)
        missing = [d for d in wanted if d not in self.known]
        if missing:
            self.known.update(self.store.get_nodes(missing))
        return {d: self.known[d] for d in wanted}


def _build(writer: _Writer, entries: dict[str, str], depth: int) -> tuple[str, int] | None:
    """Write the trie for ``entries`` (name -> component hash); ``None`` when empty."""
    if not entries:
        return None
    if len(entries) <= LEAF_MAX or depth >= MAX_DEPTH:
        return writer.put(_encode_named(_LEAF, entries, None)), len(entries)
    children: dict[int, tuple[str, int]] = {}
    for slot, group in writer.split(entries, depth).items():
        built = _build(writer, group, depth + 1)
        if built:
            children[slot] = built
    return writer.put(_encode_inner(children)), len(entries)


def _entries(writer: _Writer, digests: Iterable[str]) -> dict[str, str]:
    """Every (name -> component hash) under the given trie nodes, read level by level."""
    out: dict[str, str] = {}
    frontier = list(digests)
    while frontier:
        nodes = writer.load_many(frontier)
        frontier = []
        for node in nodes.values():
            if _is_leaf(node):
                out.update(_leaf(node))
            else:
                frontier.extend(_children(node))
    return out


def _apply(
    writer: _Writer, digest: str | None, changes: dict[str, str | None], depth: int
) -> tuple[str, int] | None:
    """Apply ``changes`` (name -> new component hash, or None to delete) below a trie node."""
    node = writer.load(digest) if digest else None
    if node is None or _is_leaf(node):
        entries = dict(_leaf(node)) if node else {}
        for name, comp in changes.items():
            if comp is None:
                entries.pop(name, None)
            else:
                entries[name] = comp
        return _build(writer, entries, depth)
    children = dict(_inner(node))
    for slot, group in writer.split(changes, depth).items():
        current = children.get(slot)
        result = _apply(writer, current[0] if current else None, group, depth + 1)
        if result is None:
            children.pop(slot, None)
        else:
            children[slot] = result
    total = sum(count for _h, count in children.values())
    if total <= LEAF_MAX:
        return _build(writer, _entries(writer, [h for h, _n in children.values()]), depth)
    return writer.put(_encode_inner(children)), total


def apply_changes(store: NodeStore, root: str, changes: Mapping[ComponentKey, str | None]) -> str:
    """A new root with ``changes`` applied (component node hash, or None to delete)."""
    root_node = store.get_nodes([root])[root]
    types = dict(_types(root_node))
    by_type = _by_type(changes)
    starts = [(t, types[t][0], 0, list(names)) for t, names in by_type.items() if t in types]
    writer = _Writer(store, {root: root_node})
    _walk(writer, starts)  # reads every node on the changed paths, a level per query
    for type_, group in by_type.items():
        current = types.get(type_)
        result = _apply(writer, current[0] if current else None, group, 0)
        if result is None:
            types.pop(type_, None)
        else:
            types[type_] = result
    new_root = writer.put(_encode_root(types))
    store.put_nodes(writer.new)
    return new_root


def build_root(store: NodeStore, components: Mapping[ComponentKey, str]) -> str:
    """The root for exactly ``components`` (component node hashes), written in one batch."""
    writer = _Writer(store)
    types: dict[str, tuple[str, int]] = {}
    for type_, group in _by_type(components).items():
        built = _build(writer, group, 0)
        if built:
            types[type_] = built
    root = writer.put(_encode_root(types))
    store.put_nodes(writer.new)
    return root


def _by_type(changes: Mapping[ComponentKey, V]) -> dict[str, dict[str, V]]:
    by_type: dict[str, dict[str, V]] = {}
    for key, value in changes.items():
        by_type.setdefault(key.type, {})[key.name] = value
    return by_type


def _walk(
    writer: _Writer, starts: list[tuple[str, str, int, list[str]]]
) -> list[tuple[str, Node, list[str]]]:
    """The leaves where the given names of each (type, trie node, depth) would be, with those
    names, reading one level of the tries per batch; names on no existing path are dropped."""
    leaves: list[tuple[str, Node, list[str]]] = []
    frontier = starts
    while frontier:
        nodes = writer.load_many(digest for _t, digest, _d, _n in frontier)
        next_level: list[tuple[str, str, int, list[str]]] = []
        for type_, digest, depth, names in frontier:
            node = nodes[digest]
            if _is_leaf(node):
                leaves.append((type_, node, names))
                continue
            groups: dict[int, list[str]] = {}
            for name in names:
                groups.setdefault(_slot(name, depth), []).append(name)
            for slot, group in groups.items():
                child = _child(node, slot)
                if child is not None:
                    next_level.append((type_, child, depth + 1, group))
        frontier = next_level
    return leaves


def _leaves_for(
    store: NodeStore, root: str, keys: Iterable[ComponentKey]
) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    """For the given keys: each leaf where some would be, its entries, and those names."""
    types = _types(store.get_nodes([root])[root])
    by_type = _by_type(dict.fromkeys(keys))
    starts = [(t, types[t][0], 0, list(names)) for t, names in by_type.items() if t in types]
    for type_, node, names in _walk(_Writer(store), starts):
        yield type_, _leaf(node), names


def count(store: NodeStore, root: str) -> dict[str, int]:
    """How many components of each type the version holds (read from the root alone)."""
    return {t: n for t, (_h, n) in _types(store.get_nodes([root])[root]).items()}


def iter_components(
    store: NodeStore, root: str, *, type_: str | None = None
) -> Iterator[tuple[ComponentKey, str]]:
    """Every component (key, component node hash), type by type, names in order."""
    types = _types(store.get_nodes([root])[root])
    writer = _Writer(store)
    for t in sorted(types):
        if type_ is None or t == type_:
            entries = _entries(writer, [types[t][0]])
            writer.known.clear()
            for name in sorted(entries):
                yield ComponentKey(t, name), entries[name]


def lookup_many(
    store: NodeStore, root: str, keys: Iterable[ComponentKey]
) -> dict[ComponentKey, str | None]:
    """The component node hash of each key in the version (None where absent), reading one
    level of the tries per batch whatever the number of keys."""
    wanted = list(keys)
    found: dict[ComponentKey, str | None] = dict.fromkeys(wanted)
    for type_, entries, names in _leaves_for(store, root, wanted):
        for name in names:
            found[ComponentKey(type_, name)] = entries.get(name)
    return found


def lookup(store: NodeStore, root: str, key: ComponentKey) -> str | None:
    """The component node hash of ``key`` in the version, or None."""
    return lookup_many(store, root, [key])[key]


def spelling(store: NodeStore, root: str, key: ComponentKey) -> ComponentKey | None:
    """The key as the version spells it, matching ``key``'s name case-insensitively."""
    return spellings(store, root, [key])[key]


def spellings(
    store: NodeStore, root: str, keys: Iterable[ComponentKey]
) -> dict[ComponentKey, ComponentKey | None]:
    """Each key as the version spells it (case-insensitively), or None where absent; one
    level of the tries per batch, like ``lookup_many`` (case variants share a leaf)."""
    wanted = list(keys)
    found: dict[ComponentKey, ComponentKey | None] = dict.fromkeys(wanted)
    for type_, entries, names in _leaves_for(store, root, wanted):
        lower: dict[str, str] = {}
        for name in entries:
            lower.setdefault(name.lower(), name)
        for name in names:
            exact = lower.get(name.lower())
            if exact is not None:
                found[ComponentKey(type_, name)] = ComponentKey(type_, exact)
    return found


@dataclass(frozen=True)
class Difference:
    """A component that differs: ``before`` / ``after`` are component hashes or None."""

    key: ComponentKey
    before: str | None
    after: str | None


_Pair = tuple[str, int, int, str | None, str | None]  # type, depth, path prefix, a, b


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
    writer = _Writer(store)
    roots = writer.load_many([root_a, root_b])
    types_a, types_b = _types(roots[root_a]), _types(roots[root_b])
    pairs: list[_Pair] = []
    for t in types_a.keys() | types_b.keys():
        ha = types_a[t][0] if t in types_a else None
        hb = types_b[t][0] if t in types_b else None
        if ha != hb and (wanted is None or wanted.under(t, 0, 0)):
            pairs.append((t, 0, 0, ha, hb))
    out: list[Difference] = []
    while pairs:
        nodes = writer.load_many(h for _t, _d, _p, ha, hb in pairs for h in (ha, hb) if h)
        next_pairs: list[_Pair] = []
        for t, depth, prefix, ha, hb in pairs:
            na, nb = (nodes[ha] if ha else None), (nodes[hb] if hb else None)
            if na is not None and nb is not None and _is_leaf(na) == _is_leaf(nb):
                if not _is_leaf(na):
                    for slot, xa, xb in _differing_children(na, nb):
                        below = prefix << BITS | slot
                        if wanted is None or wanted.under(t, depth + 1, below):
                            next_pairs.append((t, depth + 1, below, xa, xb))
                    continue
                found = _differing_entries(na, nb)
            elif wanted is not None:
                # Shapes differ (a side is missing or split): look the wanted names up.
                names = wanted.names_under(t, depth, prefix)
                found = _changed(
                    _found(writer, t, ha, depth, names), _found(writer, t, hb, depth, names)
                )
            else:
                found = _changed(
                    _entries(writer, [ha] if ha else []), _entries(writer, [hb] if hb else [])
                )
            out.extend(
                Difference(ComponentKey(t, name), before, after)
                for name, before, after in found
                if wanted is None or wanted.has(t, name)
            )
        pairs = next_pairs
    return sorted(out, key=lambda d: (d.key.type, d.key.name))


def _found(
    writer: _Writer, type_: str, digest: str | None, depth: int, names: list[str]
) -> dict[str, str]:
    """Those of ``names`` present under a trie node at ``depth``, with their hashes."""
    found: dict[str, str] = {}
    if digest:
        for _t, node, landed in _walk(writer, [(type_, digest, depth, names)]):
            entries = _leaf(node)
            found.update((n, entries[n]) for n in landed if n in entries)
    return found


class _Wanted:
    """The components a restricted diff looks at, with the trie paths that lead to them."""

    DEPTH = 8  # deeper than this, subtrees are entered and their names filtered

    def __init__(self, keys: Iterable[ComponentKey]) -> None:
        self._names: dict[str, set[str]] = {}
        self._paths: dict[str, set[tuple[int, int]]] = {}
        for key in keys:
            self._names.setdefault(key.type, set()).add(key.name)
            self._paths.setdefault(key.type, set()).update(
                (d, _prefix(key.name, d)) for d in range(self.DEPTH + 1)
            )

    def under(self, type_: str, depth: int, prefix: int) -> bool:
        paths = self._paths.get(type_)
        return paths is not None and (depth > self.DEPTH or (depth, prefix) in paths)

    def has(self, type_: str, name: str) -> bool:
        return name in self._names.get(type_, ())

    def names_under(self, type_: str, depth: int, prefix: int) -> list[str]:
        names = self._names.get(type_, set())
        return [name for name in names if _prefix(name, depth) == prefix]
