"""`changeway db gc`: stored contents nothing references are deleted; everything a version,
change set, deployment or running job reaches is kept, also while writers run
(docs/adr/0016-garbage-collection.md)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from changeway.adapters.db import metadata_store
from changeway.bootstrap import App
from changeway.domain import tree
from changeway.domain.components import ComponentKey
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.deployments import TestLevel as Level
from changeway.domain.errors import PermissionDenied
from changeway.domain.testing import RunStatus
from changeway.domain.testing import TestRun as Run
from changeway.domain.versions import VersionKind
from changeway.services import deployments, versions
from changeway.services.deployments import RUN_JOB, RunDeployment
from changeway.services.garbage import Collected, collect_garbage
from changeway.services.lookup import resolve_org
from tests.cli_results import Invoke
from tests.helpers import ACTOR, actions, user
from tests.helpers_metadata import (
    apex,
    change_set,
    contents,
    deploy,
    family,
    head,
    put,
    request,
    run,
)


@pytest.fixture(autouse=True)
def cold_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes are read from the store, not from this process's cache: what another process
    would see after a collection."""
    monkeypatch.setattr(metadata_store, "_cache", metadata_store._NodeCache())


def forget_cached_nodes() -> None:
    metadata_store._cache = metadata_store._NodeCache()


def everything(app: App) -> dict[tuple[str, int], dict[ComponentKey, dict[str, bytes]]]:
    """Every version of every org, with every file of every component, read from the store."""
    forget_cached_nodes()
    out = {}
    with app.uow(read_only=True) as uow:
        for org in uow.orgs.all(include_gone=True):
            for v in uow.metadata.versions(org.id):
                state = {}
                for k, digest in tree.iter_components(uow.metadata, v.root):
                    node = uow.metadata.get_nodes([digest])[digest]
                    refs = tree.component_files(node)
                    blobs = uow.metadata.get_blobs(f.hash for f in refs)
                    state[k] = {f.path: blobs[f.hash] for f in refs}
                out[(org.name, v.number)] = state
    return out


def garbage(app: App, name: str) -> tuple[str, set[str]]:
    """Store a component no version or change set references; its node and blob hashes."""
    with app.uow() as uow:
        [digest] = versions.store_components(uow, [apex(name)]).values()
        node = uow.metadata.get_nodes([digest])[digest]
        uow.commit()
    return digest, {f.hash for f in tree.component_files(node)}


def before_blobs(app: App, candidates: set[str]) -> set[str]:
    """Those of ``candidates`` that some org's head also holds."""
    forget_cached_nodes()
    held: set[str] = set()
    with app.uow(read_only=True) as uow:
        for org in uow.orgs.all():
            for _k, digest in tree.iter_components(
                uow.metadata, versions.head_version(uow, org).root
            ):
                node = uow.metadata.get_nodes([digest])[digest]
                held.update(f.hash for f in tree.component_files(node))
    return held & candidates


def stored(app: App, table: str) -> set[str]:
    with app.uow(read_only=True) as uow:
        return uow.garbage.stored(table)


def gc(app: App, **options: bool) -> Collected:
    return collect_garbage(app, actor=user(app), **options)


def test_only_what_nothing_references_is_deleted(app: App) -> None:
    family(app)
    put(app, "Dev", [apex("K0", "public class K0 { Integer v = 1; }\n"), apex("K1")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    change_set(app, "Dev", "CS1", "ApexClass:K1", target="Test")
    validation = deploy(app, "Test", "CS1", check_only=True)  # its tree is never a version
    assert validation.status is DeploymentStatus.SUCCEEDED
    done = deploy(app, "Test", "CS0")
    assert done.status is DeploymentStatus.SUCCEEDED
    lost_node, lost_blobs = garbage(app, "Orphan")
    [lost_class] = [b for b in lost_blobs if b not in before_blobs(app, lost_blobs)]
    before = everything(app)

    counted = gc(app, dry_run=True)
    # the orphan's node and class file (its meta file is every class's); the validation's
    # tree: a root and the Apex leaf
    assert (counted.nodes, counted.blobs, counted.dry_run) == (3, 1, True)
    assert lost_node in stored(app, "tree_nodes")
    collected = gc(app)
    assert (collected.nodes, collected.blobs) == (counted.nodes, counted.blobs)
    assert collected.bytes > 0
    assert lost_node not in stored(app, "tree_nodes")
    assert lost_class not in stored(app, "blobs")
    assert lost_blobs - {lost_class} <= stored(app, "blobs")
    assert everything(app) == before
    assert gc(app).nodes == 0  # nothing left to collect
    assert actions(app).count("store.garbage_collected") == 2

    # what a rollback restores is kept by the deployment's results
    back = deployments.rollback(app, actor=user(app), deployment_id=done.id)
    assert run(app, back)[0].status is DeploymentStatus.SUCCEEDED, run
    assert everything(app)[("Test", head(app, "Test").number)] == before[("Test", 1)]


def test_change_set_items_keep_their_contents(app: App) -> None:
    family(app)
    put(app, "Dev", [apex("K0", "public class K0 { Integer v = 1; }\n")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    put(app, "Dev", [apex("K0", "public class K0 { Integer v = 2; }\n")])
    gc(app)
    assert deploy(app, "Test", "CS0").status is DeploymentStatus.SUCCEEDED
    deployed = everything(app)[("Test", head(app, "Test").number)]
    [source] = [
        data
        for path, data in deployed[ComponentKey("ApexClass", "K0")].items()
        if path.endswith(".cls")
    ]
    assert b"v = 1" in source


class CollectingDuringTests:
    """A test runner that collects garbage while the deployment's tests run."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.collected: Collected | None = None

    def run(self, project: Path, *, level: str, tests: list[str]) -> Run:
        self.collected = gc(self.app)
        forget_cached_nodes()  # the rest of the deployment reads the store as it is now
        return Run(RunStatus.PASSED, "1 tests passed", level)


def test_a_running_deployment_keeps_the_tree_it_stored_ahead(app: App) -> None:
    family(app)
    put(app, "Dev", [apex("K0"), apex("K9", "public class K9 { }\n")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")  # Test's new tree: no org's
    runner = CollectingDuringTests(app)
    handlers = {**app.handlers, RUN_JOB: RunDeployment(test_runner=runner)}
    d = request(app, "Test", "CS0", test_level=Level.RUN_LOCAL_TESTS)
    done, _job = run(app, d, handlers)

    assert runner.collected is not None
    assert done.status is DeploymentStatus.SUCCEEDED, done.error
    assert set(contents(app, "Test")) >= {ComponentKey("ApexClass", "K0")}
    everything(app)  # every node and blob of every version is there
    gc(app)  # the job has ended: its pin goes, its tree is a version's
    everything(app)


def test_a_writer_about_to_reference_a_stored_node_is_never_robbed(app: App) -> None:
    family(app)
    digest, blobs = garbage(app, "Reused")  # stored, referenced by nothing yet
    stored_it, release = threading.Event(), threading.Event()
    outcome: list[Collected] = []

    def writer() -> None:
        with app.uow() as uow:
            target = resolve_org(uow, "Dev")
            base = versions.head_version(uow, target)
            hashes = versions.store_components(uow, [apex("Reused")])  # already stored
            assert list(hashes.values()) == [digest]
            stored_it.set()
            release.wait(30)
            root = tree.apply_changes(uow.metadata, base.root, hashes)
            versions.commit_version(
                uow,
                org=target,
                root=root,
                kind=VersionKind.IMPORT,
                author="w",
                reason="import",
                at=app.clock.now(),
                parent_id=base.id,
            )
            uow.commit()

    writing = threading.Thread(target=writer)
    writing.start()
    assert stored_it.wait(30)
    collecting = threading.Thread(target=lambda: outcome.append(gc(app)))
    collecting.start()
    collecting.join(1)  # it waits for the writer (and would delete the node if it did not)
    release.set()
    writing.join(60)
    collecting.join(60)

    assert outcome, "the collection never ended"
    assert digest in stored(app, "tree_nodes")
    assert blobs <= stored(app, "blobs")
    assert ComponentKey("ApexClass", "Reused") in contents(app, "Dev")
    everything(app)


def test_only_administrators_collect(app: App) -> None:
    family(app)
    lost, _blobs = garbage(app, "Orphan")
    with pytest.raises(PermissionDenied, match="collect the store's garbage"):
        collect_garbage(app, actor=user(app, "dev", admin=False))
    assert lost in stored(app, "tree_nodes")
    assert "store.garbage_collected" not in actions(app)


def test_the_cli_reports_what_it_collected(app: App, cw: Invoke) -> None:
    family(app)
    garbage(app, "Orphan")
    dry = cw("db", "gc", "--dry-run", "--json", actor=ACTOR)
    assert dry.exit_code == 0, dry.output
    counted = json.loads(dry.stdout)
    assert counted["dry_run"] is True and counted["blobs"] == 1  # the meta file is shared
    done = cw("db", "gc", actor=ACTOR)
    assert done.exit_code == 0, done.output
    assert f"deleted {counted['nodes']} tree node(s) and 1 blob(s)" in done.stdout
    again = cw("db", "gc", "--json", actor=ACTOR)
    assert json.loads(again.stdout)["nodes"] == 0
