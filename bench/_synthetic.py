"""Shared helpers for the benchmarks: a throw-away store and synthetic orgs of N components.

Components are built in memory (ApexClass, ApexTrigger, CustomField, Layout and
CustomObject, with their source-format files) and stored in batches through the services,
then committed as one version: no files are written or parsed, so 200,000 components take
seconds, not minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from changeway.adapters.db import metadata_store
from changeway.bootstrap import App, bootstrap
from changeway.config import Settings
from changeway.domain import tree
from changeway.domain.components import Component, ComponentKey
from changeway.domain.jobs import Job
from changeway.domain.orgs import Org, OrgKind
from changeway.domain.permissions import Actor, Entrypoint
from changeway.domain.users import User
from changeway.domain.versions import VersionKind
from changeway.services import jobs, orgs, sandboxes, versions
from changeway.services.lookup import resolve_org
from changeway.services.users import actor_of

# The PostgreSQL server and database the benchmarks use, like the tests (CHANGEWAY_TEST_PG).
PG_URL = os.environ.get("CHANGEWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ACTOR = "bench"


def admin(app: App) -> Actor:
    """The benchmark's administrator (created in the store on first use)."""
    with app.uow() as uow:
        user = uow.users.named(ACTOR) or uow.users.add(User(0, ACTOR, True, app.clock.now()))
        actor = actor_of(uow, user, Entrypoint.CLI)
        uow.commit()
    return actor


BATCH = 5_000
ROOT = "force-app/main/default"
API = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def arguments(description: str, sizes: list[int], **numbers: int) -> argparse.Namespace:
    """``--backend sqlite|postgresql``, ``--sizes N ...``, ``--warm`` and ``--NAME N`` for
    each of ``numbers`` (its default)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for name, default in numbers.items():
        parser.add_argument(f"--{name}", type=int, default=default, metavar="N")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=sizes, metavar="N")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="keep the process-wide tree-node cache between runs (default: clear it first)",
    )
    return parser.parse_args()


def extract_eda(into: Path) -> Path:
    """The EDA corpus ($CHANGEWAY_SHARED/corpora, default ../shared) extracted into ``into``;
    its project folder."""
    shared = Path(
        os.environ.get("CHANGEWAY_SHARED", Path(__file__).resolve().parents[2] / "shared")
    )
    with tarfile.open(shared / "corpora" / "EDA.tar.gz") as tar:
        tar.extractall(into, filter="data")
    (top,) = [p for p in into.iterdir() if p.is_dir()]
    return top


@contextmanager
def store(backend: str) -> Iterator[App]:
    """A fresh, empty store (SQLite file in a temporary dir, or a new PostgreSQL schema)."""
    data_dir = Path(tempfile.mkdtemp(prefix="changeway-bench-"))
    schema = None
    admin = None
    try:
        if backend == "postgresql":
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            settings = Settings.load(data_dir=data_dir, database_url=PG_URL)
        else:
            settings = Settings.load(data_dir=data_dir)
        settings = dataclasses.replace(settings, test_runner=None)
        app = bootstrap(settings, schema=schema, upgrade=True)
        try:
            yield app
        finally:
            app.close()
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)


def component(i: int, variant: str = "") -> Component:
    """The i-th synthetic component; a different ``variant`` changes its content.

    By ``i % 10``: 0-3 ApexClass, 4 ApexTrigger, 5-7 CustomField and 8 Layout of the
    CustomObject that ``i // 10 * 10 + 9`` is.
    """
    note = f"// {variant}\n" if variant else ""
    kind = i % 10
    if kind < 4:
        name = f"Service{i:06d}"
        body = (
            f"public with sharing class {name} {{\n{note}"
            f"    public static Integer compute(Integer x) {{ return x + {i}; }}\n}}\n"
        )
        meta = API + b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
        meta += b"<apiVersion>61.0</apiVersion><status>Active</status></ApexClass>\n"
        path = f"{ROOT}/classes/{name}"
        files = {f"{path}.cls": body.encode(), f"{path}.cls-meta.xml": meta}
        return Component("ApexClass", name, files)
    if kind < 5:
        name = f"Trigger{i:06d}"
        body = f"trigger {name} on Account (before insert) {{\n{note}    // {i}\n}}\n"
        meta = API + b'<ApexTrigger xmlns="http://soap.sforce.com/2006/04/metadata">'
        meta += b"<apiVersion>61.0</apiVersion><status>Active</status></ApexTrigger>\n"
        path = f"{ROOT}/triggers/{name}"
        files = {f"{path}.trigger": body.encode(), f"{path}.trigger-meta.xml": meta}
        return Component("ApexTrigger", name, files)
    obj = f"Object{i // 10:05d}__c"  # component i // 10 * 10 + 9
    if kind < 8:
        field = f"Field{i:06d}__c"
        xml = (
            f'<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<fullName>{field}</fullName><label>Field {i}{variant}</label>"
            f"<type>Text</type><length>{80 + i % 100}</length></CustomField>\n"
        )
        path = f"{ROOT}/objects/{obj}/fields/{field}.field-meta.xml"
        return Component("CustomField", f"{obj}.{field}", {path: API + xml.encode()})
    if kind < 9:
        name = f"{obj}-Layout {i:06d}"
        xml = (
            f'<Layout xmlns="http://soap.sforce.com/2006/04/metadata"><layoutSections>'
            f"<label>Section {i}{variant}</label><style>TwoColumnsTopToBottom</style>"
            f"</layoutSections></Layout>\n"
        )
        path = f"{ROOT}/layouts/{name}.layout-meta.xml"
        return Component("Layout", name, {path: API + xml.encode()})
    xml = (
        f'<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">'
        f"<label>Object {i // 10}{variant}</label><pluralLabel>Objects {i // 10}</pluralLabel>"
        f"<nameField><label>Name</label><type>Text</type></nameField>"
        f"<deploymentStatus>Deployed</deploymentStatus><sharingModel>ReadWrite</sharingModel>"
        f"</CustomObject>\n"
    )
    path = f"{ROOT}/objects/{obj}/{obj}.object-meta.xml"
    return Component("CustomObject", obj, {path: API + xml.encode()})


def write_project(folder: Path, size: int) -> Path:
    """An SFDX project on disk holding components 0..size-1 (``size`` a multiple of 10)."""
    if size % 10:
        raise SystemExit(f"sizes must be multiples of 10, not {size}")
    folder.mkdir(parents=True)
    (folder / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}],'
        ' "sourceApiVersion": "61.0"}\n'
    )
    made: set[Path] = set()
    for i in range(size):
        for path, data in component(i).files.items():
            target = folder / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(data)
    return folder


def create_production(app: App, name: str, size: int) -> Org:
    """A production org holding components 0..size-1, as one imported version.

    ``size`` must be a multiple of 10, so that every field and layout has its object.
    """
    if size % 10:
        raise SystemExit(f"sizes must be multiples of 10, not {size}")
    orgs.create_production(app, actor=admin(app), name=name)
    with app.uow() as uow:
        org = resolve_org(uow, name)
        head = versions.head_version(uow, org)
        hashes: dict[ComponentKey, str] = {}
        for start in range(0, size, BATCH):
            batch = (component(i) for i in range(start, min(size, start + BATCH)))
            hashes.update(versions.store_components(uow, batch))
        root = tree.build_root(uow.metadata, hashes)
        versions.commit_version(
            uow,
            org=org,
            root=root,
            kind=VersionKind.IMPORT,
            author=ACTOR,
            reason=f"{size} synthetic components",
            at=app.clock.now(),
            parent_id=head.id,
        )
        uow.commit()
    with app.uow() as uow:
        return resolve_org(uow, name)


def spread(size: int, count: int) -> list[int]:
    """``count`` component indexes spread evenly over 0..size-1 and over the four types
    (needs ``count <= size // 10``)."""
    return [k * size // count + k % 10 for k in range(count)]


def change(app: App, org_name: str, indexes: list[int], variant: str) -> list[ComponentKey]:
    """Commit a new version of the org in which the given components have new content."""
    changed = [component(i, variant) for i in indexes]
    with app.uow() as uow:
        org = resolve_org(uow, org_name)
        head = versions.head_version(uow, org)
        hashes = versions.store_components(uow, changed)
        root = tree.apply_changes(uow.metadata, head.root, hashes)
        versions.commit_version(
            uow,
            org=org,
            root=root,
            kind=VersionKind.IMPORT,
            author=ACTOR,
            reason=f"change {len(changed)} ({variant})",
            at=app.clock.now(),
            parent_id=head.id,
        )
        uow.commit()
    return [c.key for c in changed]


def run_job(app: App, job_id: int) -> Job:
    """Run a job here (embedded worker) until it ends; raise if it did not succeed."""
    job = jobs.wait_for(
        job_id, uow_factory=app.uow, clock=app.clock, worker="bench", handlers=app.handlers
    )
    if job.status.value != "succeeded":
        raise RuntimeError(f"job {job_id} ({job.kind}) ended {job.status.value}: {job.error}")
    return job


def create_sandbox(app: App, name: str, source: str) -> Org:
    """Create a developer sandbox of ``source`` and run its copy job."""
    sandbox, job = sandboxes.create_sandbox(
        app, actor=admin(app), name=name, kind=OrgKind.DEVELOPER, source=source
    )
    run_job(app, job.id)
    return sandbox


def clear_cache() -> None:
    """Forget the process-wide tree-node caches (read and decoded), as a freshly started
    worker would."""
    metadata_store._cache = metadata_store._NodeCache()
    tree.forget_decoded()


def stopwatch(action: Callable[[], object], *, warm: bool) -> float:
    """Wall-clock seconds of ``action()``, with the node cache cleared first unless ``warm``."""
    if not warm:
        clear_cache()
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def medians(cases: dict[str, Callable[[int], float]], runs: int) -> list[tuple[str, float]]:
    """The median seconds of each case (``case(run)`` returns the seconds it measured).

    One untimed run of each first (imports, SQL compilation), then the cases take turns, so
    that load from other processes on the machine falls on all of them alike.
    """
    for case in cases.values():
        case(runs)
    times: dict[str, list[float]] = {label: [] for label in cases}
    for run in range(runs):
        for label, case in cases.items():
            times[label].append(case(run))
    return [(label, statistics.median(values)) for label, values in times.items()]


def report(title: str, rows: list[tuple[str, float]], ratio: float, goal: float) -> None:
    """Print a small table, the ratio and whether it meets the goal."""
    print(title)
    width = max(len(label) for label, _s in rows)
    for label, seconds in rows:
        print(f"  {label:<{width}}  {seconds * 1000:10.1f} ms")
    verdict = "met" if ratio < goal else "MISSED"
    print(f"  ratio large/small  {ratio:.2f}  (goal: under {goal}) -> {verdict}")
    print(f"  (load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")
