"""The command line against a real `changeway serve` process: the seed scenario end to end
with two users — a Dev developer who may upload from Dev but not deploy to Prod, and a
release manager who may deploy to Prod."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.served import EXE, base_env, serving


class Cli:
    """Runs the installed `changeway` with an environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(
        self, *args: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(EXE), *args],
            env={**self.env, **env},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str, stdin: str | None = None, **env: str) -> str:
        done = self(*args, stdin=stdin, **env)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def json(self, *args: str, **env: str) -> Any:
        return json.loads(self.ok(*args, "--json", **env))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, Cli]]:
    """A served SQLite store; (the local administrator's CLI, the remote CLI's environment)."""
    store = tmp_path_factory.mktemp("served")
    local = Cli(base_env(store))
    local.ok("db", "upgrade")
    with serving(store, local.env) as url:
        remote = {**local.env, "CHANGEWAY_SERVER": url, "XDG_CONFIG_HOME": str(store / "config")}
        yield local, Cli(remote)


def test_the_seed_scenario_through_a_server_with_two_users(
    server: tuple[Cli, Cli], tmp_path: Path
) -> None:
    local, remote = server
    local.ok("org", "create", "Prod", "--from", str(sample_app()))
    for name in ("Dev", "Test"):
        local.ok("sandbox", "create", name, "--from", "Prod", "--type", "developer")
    for target, source in (("Prod", "Test"), ("Dev", "Prod"), ("Dev", "Test"), ("Test", "Dev")):
        local.ok("connection", "allow", target, "--from", source)
    local.ok("user", "create", "dev1")
    local.ok(
        "user",
        "grant",
        "dev1",
        "Dev",
        "view_setup",
        "Create and Upload Change Sets",
        "modify_metadata",
    )
    local.ok("user", "grant", "dev1", "Test", "view_setup")
    local.ok("user", "grant", "dev1", "Prod", "view_setup")
    local.ok("user", "create", "rm")
    for org in ("Dev", "Test", "Prod"):
        local.ok(
            "user",
            "grant",
            "rm",
            org,
            "view_setup",
            "Deploy Change Sets",
            "create_upload_change_sets",
        )
    dev = local.json("token", "create", "dev1", "--expires", "1h")["token"]
    rm = local.json("token", "create", "rm", "--expires", "1h")["token"]

    # Without a token, or with a bad one: not authenticated.
    missing = remote("org", "list")
    assert missing.returncode != 0 and "not authenticated" in missing.stderr
    bad = remote("org", "list", CHANGEWAY_TOKEN="cwt_nope")
    assert bad.returncode != 0 and "not authenticated" in bad.stderr

    # The same --json shapes as the embedded CLI.
    assert local.json("org", "list") == remote.json("org", "list", CHANGEWAY_TOKEN=rm)
    assert [o["name"] for o in remote.json("org", "list", CHANGEWAY_TOKEN=dev)] == [
        "Prod",
        "Dev",
        "Test",
    ]

    # The developer changes Dev and uploads to Test.
    d = {"CHANGEWAY_TOKEN": dev}
    remote.ok("metadata", "import", "Dev", str(sample_change()), "-m", "due dates", **d)
    remote.ok("changeset", "create", "Dev", "Release1", "--description", "due dates", **d)
    remote.ok(
        "changeset",
        "add",
        "Dev",
        "Release1",
        "CustomField:Project__c.Due_Date__c",
        "ApexClass:ProjectService",
        **d,
    )
    inbound = remote.json("changeset", "upload", "Dev", "Release1", "--to", "Test", **d)
    assert (inbound["source"], inbound["target"]) == ("Dev", "Test")
    # ... but may not deploy it.
    refused = remote("inbound", "deploy", "Test", "Release1", **d)
    assert refused.returncode != 0 and "deploy_change_sets" in refused.stderr

    # The release manager deploys to Test, then promotes to Prod.
    r = {"CHANGEWAY_TOKEN": rm}
    done = remote.json("inbound", "deploy", "Test", "Release1", **r)
    assert done["status"] == "succeeded"
    remote.ok("changeset", "create", "Test", "Release1", **r)
    remote.ok(
        "changeset",
        "add",
        "Test",
        "Release1",
        "CustomField:Project__c.Due_Date__c",
        "ApexClass:ProjectService",
        **r,
    )
    remote.ok("changeset", "upload", "Test", "Release1", "--to", "Prod", **r)
    prod = remote.json("inbound", "deploy", "Prod", "Release1", **r)
    assert prod["status"] == "succeeded"
    assert {c["result"] for c in prod["components"]} == {"created", "changed"}

    # An upload from Dev straight to Prod is refused by the promotion paths.
    remote.ok("changeset", "create", "Dev", "Shortcut", **d)
    remote.ok("changeset", "add", "Dev", "Shortcut", "ApexClass:ProjectService", **d)
    shortcut = remote("changeset", "upload", "Dev", "Shortcut", "--to", "Prod", **d)
    assert (
        shortcut.returncode != 0
        and "Prod does not allow inbound changes from Dev" in shortcut.stderr
    )

    # The trail says who did what, through the API.
    events = local.json("audit", "--org", "Prod")
    deployed = [e for e in events if e["action"] == "deployment.succeeded"]
    assert deployed and deployed[-1]["actor"] == "rm" and deployed[-1]["entrypoint"] == "api"

    # Export over HTTP writes the same files as locally.
    remote.ok("metadata", "export", "Prod", str(tmp_path / "remote"), "--format", "source", **r)
    local.ok("metadata", "export", "Prod", str(tmp_path / "local"), "--format", "source")
    assert files(tmp_path / "remote") == files(tmp_path / "local")


def test_login_keeps_the_token_for_the_user_only(server: tuple[Cli, Cli]) -> None:
    local, remote = server
    local.ok("org", "list")
    token = local.json("token", "create", "ops", "--expires", "1h")["token"]
    out = remote.ok("login", "--token-stdin", stdin=token + "\n")
    assert "logged in" in out and "as ops" in out
    kept = Path(remote.env["XDG_CONFIG_HOME"]) / "changeway" / "tokens.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert remote.json("user", "list")[0]["name"] == "ops"
    remote.ok("logout")
    assert "not authenticated" in remote("org", "list").stderr


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sample_app() -> Path:
    from changeway.services.demo import SAMPLE_APP

    return SAMPLE_APP


def sample_change() -> Path:
    from changeway.services.demo import SAMPLE_CHANGE

    return SAMPLE_CHANGE
