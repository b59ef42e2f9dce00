"""The versioned metadata tree: canonical shape, structural sharing, and diffs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeway.domain import tree
from changeway.domain.components import ComponentKey


class MemoryNodes:
    """An in-memory node store that counts reads (nodes and batches), to show what a
    comparison visits."""

    def __init__(self) -> None:
        self.nodes: dict[str, tree.Node] = {tree.EMPTY_ROOT_HASH: tree.EMPTY_ROOT}
        self.reads = 0
        self.batches = 0

    def get_nodes(self, hashes: Iterable[str]) -> dict[str, tree.Node]:
        wanted = set(hashes)
        self.reads += len(wanted)
        self.batches += 1
        return {h: self.nodes[h] for h in wanted}

    def put_nodes(self, nodes: Mapping[str, tree.Node]) -> None:
        self.nodes.update(nodes)


def _comp(label: str) -> str:
    return tree.node_hash(tree.component_node({f"{label}.cls": label.encode()})[0])


def _org(n: int, *, type_: str = "ApexClass", salt: str = "") -> dict[ComponentKey, str]:
    return {ComponentKey(type_, f"C{i}"): _comp(f"C{i}{salt}") for i in range(n)}


keys = st.builds(
    ComponentKey,
    st.sampled_from(["ApexClass", "CustomField", "Layout"]),
    st.text("abcdefgh", min_size=1, max_size=3),
)
contents = st.dictionaries(keys, st.sampled_from([_comp(x) for x in "pqrs"]), max_size=150)
leaf_sizes = st.sampled_from([2, 5, tree.LEAF_MAX])


@contextmanager
def leaves_of(size: int) -> Iterator[None]:
    """Trie leaves split beyond ``size`` entries: small sets then take every shape."""
    saved, tree.LEAF_MAX = tree.LEAF_MAX, size
    try:
        yield
    finally:
        tree.LEAF_MAX = saved


@settings(max_examples=80, deadline=None)
@given(before=contents, after=contents, leaf_max=leaf_sizes)
def test_a_changed_tree_is_the_tree_built_from_scratch(before, after, leaf_max) -> None:
    store = MemoryNodes()
    with leaves_of(leaf_max):
        root = tree.build_root(store, before)
        changes = {k: after.get(k) for k in set(before) | set(after)}
        assert tree.apply_changes(store, root, changes) == tree.build_root(store, after)
        assert dict(tree.iter_components(store, tree.build_root(store, after))) == after


@settings(max_examples=80, deadline=None)
@given(before=contents, after=contents, leaf_max=leaf_sizes)
def test_diff_names_exactly_the_components_that_differ(before, after, leaf_max) -> None:
    store = MemoryNodes()
    with leaves_of(leaf_max):
        a, b = tree.build_root(store, before), tree.build_root(store, after)
    differences = tree.diff(store, a, b)
    expected = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert {d.key for d in differences} == expected
    assert [d.key for d in differences] == sorted(expected)
    for d in differences:
        assert (d.before, d.after) == (before.get(d.key), after.get(d.key))


@settings(max_examples=60, deadline=None)
@given(org=contents, asked=st.lists(keys, max_size=30), leaf_max=leaf_sizes)
def test_lookups_find_each_key_as_stored(org, asked, leaf_max) -> None:
    store = MemoryNodes()
    with leaves_of(leaf_max):
        root = tree.build_root(store, org)
    assert tree.lookup_many(store, root, asked) == {k: org.get(k) for k in asked}
    for key in asked:
        assert tree.lookup(store, root, key) == org.get(key)
        spelled = tree.spelling(store, root, ComponentKey(key.type, key.name.upper()))
        assert (spelled is not None) == any(
            k.type == key.type and k.name.lower() == key.name.lower() for k in org
        )


def test_lookup_finds_components_deep_in_a_large_trie() -> None:
    store = MemoryNodes()
    org = _org(5000)
    root = tree.build_root(store, org)
    assert (
        tree.lookup(store, root, ComponentKey("ApexClass", "C4321"))
        == org[ComponentKey("ApexClass", "C4321")]
    )
    assert tree.lookup(store, root, ComponentKey("ApexClass", "Nope")) is None
    assert tree.lookup(store, root, ComponentKey("Layout", "C1")) is None
    assert tree.count(store, root) == {"ApexClass": 5000}


def test_a_change_rewrites_only_the_nodes_on_its_path() -> None:
    store = MemoryNodes()
    root = tree.build_root(store, _org(20000))
    before = len(store.nodes)
    tree.apply_changes(store, root, {ComponentKey("ApexClass", "C7"): _comp("new")})
    written = len(store.nodes) - before
    assert 1 < written <= 6  # root, type trie path (about 3 levels) and nothing else


def test_comparison_visits_only_differing_subtrees() -> None:
    small, large = MemoryNodes(), MemoryNodes()
    visits = []
    for store, size in ((small, 1000), (large, 100_000)):
        base = _org(size)
        root_a = tree.build_root(store, base)
        changes = {ComponentKey("ApexClass", f"C{i * 7}"): _comp(f"x{i}") for i in range(100)}
        root_b = tree.apply_changes(store, root_a, changes)
        store.reads = store.batches = 0
        assert len(tree.diff(store, root_a, root_b)) == 100
        visits.append((store.reads, store.batches))
    # A hundred times more components, but the same hundred differences: reads grow with the
    # trie's depth (one more level), not with the size of the orgs (about 4,300 nodes).
    assert visits[0] <= (110, 3)
    assert visits[1] <= (310, 4)


def test_lookups_read_a_level_per_batch_whatever_their_number() -> None:
    store = MemoryNodes()
    org = _org(100_000)
    root = tree.build_root(store, org)
    asked = [ComponentKey("ApexClass", f"C{i * 13}") for i in range(5000)]
    asked += [ComponentKey("ApexClass", "Nope"), ComponentKey("Layout", "C1")]
    found = tree.lookup_many(store, root, asked)
    assert found == {k: org.get(k) for k in asked}
    assert found[ComponentKey("ApexClass", "Nope")] is None
    assert store.batches == 4  # root, type trie, its second level, leaves


def test_a_change_reads_a_level_per_batch() -> None:
    store = MemoryNodes()
    root = tree.build_root(store, _org(100_000))
    store.batches = 0
    changes = {ComponentKey("ApexClass", f"C{i * 3}"): _comp(f"y{i}") for i in range(5000)}
    tree.apply_changes(store, root, changes)
    assert store.batches == 4


def test_equal_contents_have_equal_roots_whatever_their_history() -> None:
    store = MemoryNodes()
    target = _org(300)
    grown = tree.EMPTY_ROOT_HASH
    for key, comp in target.items():
        grown = tree.apply_changes(store, grown, {key: comp})
    assert grown == tree.build_root(store, target)
    emptied = tree.apply_changes(store, grown, dict.fromkeys(target))
    assert emptied == tree.EMPTY_ROOT_HASH


def test_spelling_finds_a_name_whatever_its_case() -> None:
    store = MemoryNodes()
    org = _org(3000)
    org[ComponentKey("ApexClass", "AccountService")] = _comp("svc")
    root = tree.build_root(store, org)
    found = tree.spelling(store, root, ComponentKey("ApexClass", "accountSERVICE"))
    assert found == ComponentKey("ApexClass", "AccountService")
    assert tree.spelling(store, root, ComponentKey("ApexClass", "AccountServices")) is None
    assert tree.lookup(store, root, ComponentKey("ApexClass", "accountservice")) is None


@settings(max_examples=60, deadline=None)
@given(before=contents, after=contents, chosen=st.sets(keys, max_size=20))
def test_a_restricted_diff_is_the_full_diff_filtered(before, after, chosen) -> None:
    store = MemoryNodes()
    a, b = tree.build_root(store, before), tree.build_root(store, after)
    full = [d for d in tree.diff(store, a, b) if d.key in chosen]
    assert tree.diff(store, a, b, only=chosen) == full


def test_a_restricted_diff_reads_only_the_paths_to_its_components() -> None:
    store = MemoryNodes()
    root_a = tree.EMPTY_ROOT_HASH
    store.nodes[root_a] = tree.EMPTY_ROOT
    root_b = tree.build_root(store, _org(100_000))
    store.reads = 0
    found = tree.diff(store, root_a, root_b, only=[ComponentKey("ApexClass", "C5")])
    assert [d.key for d in found] == [ComponentKey("ApexClass", "C5")]
    assert store.reads < 20  # a handful of levels, not the 100,000 components added


def test_names_that_differ_only_in_case_share_a_bucket_however_many() -> None:
    store = MemoryNodes()
    variants = {
        ComponentKey(
            "ApexClass", "".join(c.upper() if i >> b & 1 else c for b, c in enumerate("abcdefgh"))
        ): _comp(str(i))
        for i in range(200)
    }
    root = tree.build_root(store, variants)
    assert dict(tree.iter_components(store, root)) == variants
    assert tree.lookup_many(store, root, list(variants)) == variants
    emptied = tree.apply_changes(store, root, dict.fromkeys(variants))
    assert emptied == tree.EMPTY_ROOT_HASH
    assert len(tree.diff(store, root, emptied)) == 200


def test_names_with_nul_are_refused_and_nothing_is_written() -> None:
    store = MemoryNodes()
    before = dict(store.nodes)
    with pytest.raises(ValueError, match="cannot contain NUL"):
        tree.build_root(store, {ComponentKey("ApexClass", "Bad\0Name"): _comp("x")})
    assert store.nodes == before


paths = st.text(min_size=1, max_size=40) | st.text('a/.],["\\\u00e9', min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(files=st.dictionaries(paths, st.binary(max_size=30), max_size=5))
def test_component_nodes_are_canonical_json(files) -> None:
    node, contents = tree.component_node(files)
    refs = [tree.FileRef(p, hashlib.sha256(d).hexdigest(), len(d)) for p, d in files.items()]
    expected = {"f": sorted([f.path, f.hash, f.size] for f in refs)}
    assert node == json.dumps(expected, sort_keys=True, separators=(",", ":")).encode()
    assert tree.component_files(node) == sorted(refs, key=lambda f: f.path)
    assert contents == {f.hash: files[f.path] for f in refs}
