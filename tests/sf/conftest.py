"""Salesforce's own `sf` CLI (pinned, installed by scripts/sf-client) against a real
`changeway serve` process, on SQLite and on PostgreSQL.

Each backend's server is set up once per module; its tests share one xdist worker (a group
per backend), so the two backends run side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from changeway.bootstrap import bootstrap
from changeway.config import Settings
from changeway.domain.permissions import Permission
from tests import helpers
from tests.conftest import BACKENDS
from tests.corpora import IN_CI, REPO
from tests.served import base_env, serving
from tests.stores import PG_URL, _pg_engine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("sf_backend")
        if backend and "tests/sf/" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group(f"sf-{backend}"))


def sf_bin() -> Path:
    """The folder holding the pinned `sf` and its Node.js (skip locally, fail under CI)."""
    given = os.environ.get("CHANGEWAY_SF_BIN")
    if given:
        return Path(given)
    done = subprocess.run(
        [str(REPO / "scripts" / "sf-client"), "--installed"], capture_output=True, text=True
    )
    if done.returncode != 0:
        message = "Salesforce's sf CLI is not installed: run scripts/sf-client"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return Path(done.stdout.strip())


@dataclass
class Run:
    """A finished command: exit code, stdout, stderr, and the JSON it printed (if any)."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


class Tool:
    """Runs one program (changeway or sf) with a fixed environment, in a folder."""

    def __init__(self, program: list[str], env: dict[str, str]) -> None:
        self.program, self.env = program, env

    def __call__(self, *args: str, cwd: Path | None = None, **env: str) -> Run:
        done = subprocess.run(
            [*self.program, *args],
            env={**self.env, **env},
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, cwd: Path | None = None, **env: str) -> Run:
        done = self(*args, cwd=cwd, **env)
        assert done.code == 0, (args, done.out[-3000:], done.err[-3000:])
        return done


@dataclass
class Served:
    """A served store with Prod, Dev and Test; ``cw`` is the local administrator's CLI."""

    url: str
    cw: Tool
    sf: Tool
    store: Path

    def login(self, alias: str, user: str, org: str, **env: str) -> Run:
        """Log `sf` in to ``org`` as ``user`` with a token made by `changeway token create`."""
        made = self.cw.ok("token", "create", user, "--org", org, "--json").json
        return self.sf(
            "org",
            "login",
            "access-token",
            "--instance-url",
            made["instance_url"],
            "--no-prompt",
            "--alias",
            alias,
            "--json",
            SF_ACCESS_TOKEN=made["token"],
            **env,
        )

    def sandbox(self, name: str, alias: str | None = None) -> str:
        """A new developer sandbox of Prod, with ops (an administrator) logged in to it as
        ``alias`` (default: the sandbox's name); returns the alias."""
        self.cw.ok("sandbox", "create", name, "--from", "Prod", "--type", "developer")
        login = self.login(alias or name, "ops", name)
        assert login.code == 0, login.out + login.err
        return alias or name

    def deploy(self, org: str, project: Path, *more: str, verb: str = "start") -> Run:
        """`sf project deploy VERB` of the project's force-app into ``org``, as JSON."""
        return self.sf(
            "project", "deploy", verb, "--source-dir", "force-app", "--target-org", org,
            "--json", *more, cwd=project,
        )  # fmt: skip

    def components(self, org: str) -> set[str]:
        """The org's components, as TYPE:NAME."""
        listed = self.cw.ok("metadata", "list", org, "--json").json
        return {f"{c['type']}:{c['name']}" for c in listed}

    def project(self, where: Path, source: Path | None = None) -> Path:
        """An SFDX project folder at ``where`` (a copy of ``source``, or empty)."""
        if source is not None:
            shutil.copytree(source, where, ignore=shutil.ignore_patterns(".git", "node_modules"))
        else:
            (where / "force-app").mkdir(parents=True)
            (where / "sfdx-project.json").write_text(
                json.dumps(
                    {
                        "packageDirectories": [{"path": "force-app", "default": True}],
                        "sourceApiVersion": "62.0",
                    }
                )
            )
        return where


def apex_class(project: Path, name: str, body: str) -> Path:
    """Write class ``name`` (and its meta file) into ``project``'s force-app."""
    folder = project / "force-app" / "main" / "default" / "classes"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.cls").write_text(body)
    (folder / f"{name}.cls-meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
    )
    return folder / f"{name}.cls"


def sf_env(home: Path, bin_dir: Path) -> dict[str, str]:
    """Offline and quiet: no telemetry, no update checks, a throwaway home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SF_")}
    return {
        **env,
        "HOME": str(home),
        "PATH": f"{bin_dir}:{env.get('PATH', '')}",
        "SF_DISABLE_TELEMETRY": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_DISABLE_AUTOUPDATE": "true",
        "SF_AUTOUPDATE_DISABLE": "true",
        "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
        "SF_CONTAINER_MODE": "true",
        "SF_LOG_LEVEL": "fatal",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    }


@pytest.fixture(params=BACKENDS)
def sf_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def _servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    """One served store per backend for the whole session (xdist may tear a module-scoped
    fixture down between two tests of the same group)."""
    with ExitStack() as stack:
        yield _Lazy(stack, tmp_path_factory)


class _Lazy(dict[str, Served]):
    def __init__(self, stack: ExitStack, factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.stack, self.factory = stack, factory

    def __missing__(self, key: str) -> Served:
        backend, _, idle = key.partition(":")
        self[key] = self.stack.enter_context(_serve(backend, self.factory, worker=not idle))
        return self[key]


@pytest.fixture
def served(sf_backend: str, _servers: dict[str, Served]) -> Served:
    """Prod (production, empty), Dev and Test (developer sandboxes) with Dev ⇄ Test → Prod;
    alice may change Dev's metadata and upload change sets there, and see Test; bob may only
    see Dev. The store lives for the session: tests add what they need, under their own
    names."""
    return _servers[sf_backend]


@pytest.fixture
def idle(sf_backend: str, _servers: dict[str, Served]) -> Served:
    """Like ``served``, but nothing runs queued deployments: they stay pending."""
    return _servers[f"{sf_backend}:idle"]


@contextmanager
def _serve(backend: str, factory: pytest.TempPathFactory, *, worker: bool) -> Iterator[Served]:
    bin_dir = sf_bin()
    store = factory.mktemp(f"sf-{backend}{'' if worker else '-idle'}")
    env = base_env(store, user="ops")
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    schema = None
    if backend == "postgresql":
        admin = _pg_engine()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        env["CHANGEWAY_DATABASE_URL"] = f"{PG_URL}?options=-csearch_path%3D{schema}"
    cw = Tool([str(Path(sys.executable).with_name("changeway"))], env)
    try:
        _family(Settings.load(data_dir=store, database_url=PG_URL if schema else None), schema)
        with serving(store, env, *([] if worker else ["--workers", "0"])) as url:
            (store / "home").mkdir()
            yield Served(url, cw, Tool(["sf"], sf_env(store / "home", bin_dir)), store)
    finally:
        if schema:
            admin = _pg_engine()
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()


def _family(settings: Settings, schema: str | None) -> None:
    """Set the store up through the services (quicker than one process per step)."""
    app = bootstrap(settings, schema=schema, upgrade=True)
    try:
        ops = helpers.user(app, "ops")
        helpers.make_production(app, "Prod", actor=ops)
        for name in ("Dev", "Test"):
            helpers.make_sandbox(app, name, actor=ops)
        for target, source in (("Prod", "Test"), ("Dev", "Test"), ("Test", "Dev")):
            helpers.allow(app, target, source, actor=ops)
        view, modify = Permission.VIEW_SETUP, Permission.MODIFY_METADATA
        upload = Permission.CREATE_UPLOAD_CHANGE_SETS
        helpers.user(
            app, "alice", admin=False, grants={"Dev": [view, modify, upload], "Test": [view]}
        )
        helpers.user(app, "bob", admin=False, grants={"Dev": [view]})
    finally:
        app.close()
