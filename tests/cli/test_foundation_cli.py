"""The `changeway` command line for orgs, sandboxes, connections, jobs, audit and the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from click.testing import Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from changeway.cli.main import app

T0 = "2026-01-05T09:00:00+00:00"
Invoke = Callable[..., Result]


@pytest.fixture
def cw(tmp_path: Path) -> Invoke:
    """``cw("org", "list", now=..., actor=...)`` runs changeway on a store in ``tmp_path`` as
    the OS user ``actor`` (the first one becomes the store's administrator)."""
    runner = CliRunner()

    def invoke(*args: str, actor: str = "alice", now: str = T0) -> Result:
        return runner.invoke(
            app,
            ["--data-dir", str(tmp_path / "data"), *args],
            env={
                "CHANGEWAY_NOW": now,
                "CHANGEWAY_ALLOW_CLOCK_OVERRIDE": "1",
                "COLUMNS": "200",
                "LOGNAME": actor,
            },
        )

    return invoke


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def data(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def fails(result: Result, message: str) -> None:
    """The command failed with exit code 1 and ``message`` on stderr, nothing on stdout."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert message in " ".join(result.stderr.split()), result.stderr
    assert result.stdout == ""


def orgs(cw: Invoke) -> list[dict[str, Any]]:
    return data(cw("org", "list", "--json"))


def state(cw: Invoke) -> tuple[Any, Any]:
    """What a refusal must leave unchanged, as users see it: the org list and the audit trail."""
    return orgs(cw), data(cw("audit", "--json"))


def refused(cw: Invoke, args: list[str], message: str, now: str = T0) -> None:
    before = state(cw)
    fails(cw(*args, now=now), message)
    assert state(cw) == before


def conns(cw: Invoke, org: str) -> dict[str, tuple[bool, bool]]:
    rows = data(cw("connection", "list", org, "--json"))
    return {r["org"]: (r["allows_inbound"], r["accepts_outbound"]) for r in rows}


@pytest.fixture
def family(cw: Invoke) -> Invoke:
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    ok(cw("sandbox", "create", "Test", "--from", "Prod", "--type", "developer"))
    return cw


# --- orgs ------------------------------------------------------------------------------------


def test_org_create_then_list_shows_the_production_org(cw: Invoke) -> None:
    assert "created production org Prod" in ok(cw("org", "create", "Prod")).stdout
    [prod] = orgs(cw)
    assert prod["name"] == "Prod" and prod["kind"] == "production"
    assert prod["production"] == "Prod" and prod["status"] == "active"
    assert prod["id"].startswith("00D") and len(prod["id"]) == 15


def test_org_show_gives_the_production_limits(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    shown = data(cw("org", "show", "Prod", "--json"))
    assert shown["limits"]["max_sandboxes"] == {
        "developer": 100,
        "developer_pro": 5,
        "partial": 1,
        "full": 1,
    }
    assert shown["limits"]["refresh_days"] == {
        "developer": 1,
        "developer_pro": 1,
        "partial": 5,
        "full": 29,
    }


def test_org_create_with_a_taken_name_fails_and_changes_nothing(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    refused(cw, ["org", "create", "prod"], "error: a production org named 'prod' exists")


def test_org_create_with_an_invalid_name_fails(cw: Invoke) -> None:
    fails(cw("org", "create", "9lives"), "invalid org name '9lives'")
    assert orgs(cw) == []


def test_org_show_of_an_unknown_org_fails(cw: Invoke) -> None:
    fails(cw("org", "show", "Nope"), "error: no org named 'Nope'")


# --- sandboxes -------------------------------------------------------------------------------


def test_sandbox_create_waits_for_the_copy_and_lists_the_active_sandbox(family: Invoke) -> None:
    listed = [(o["name"], o["kind"], o["production"], o["status"]) for o in orgs(family)]
    assert listed == [
        ("Prod", "production", "Prod", "active"),
        ("Dev", "developer", "Prod", "active"),
        ("Test", "developer", "Prod", "active"),
    ]


def test_sandbox_create_json_reports_the_finished_job(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    job = data(cw("sandbox", "create", "Full", "--from", "Prod", "--type", "full", "--json"))
    assert (job["kind"], job["status"], job["progress"]) == ("sandbox.copy", "succeeded", 1.0)
    assert job["result"]["status"] == "active" and job["actor"] == "alice"


def test_sandbox_create_no_wait_leaves_a_pending_job_that_a_worker_runs(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    job = data(
        cw(
            "sandbox",
            "create",
            "Dev",
            "--from",
            "Prod",
            "--type",
            "developer",
            "--no-wait",
            "--json",
        )
    )
    assert job["status"] == "pending"
    assert [o["status"] for o in orgs(cw) if o["name"] == "Dev"] == ["pending"]
    assert data(cw("job", "show", str(job["id"]), "--json"))["status"] == "pending"
    assert f"job {job['id']} (sandbox.copy): succeeded" in ok(cw("worker", "--once")).stdout
    assert data(cw("job", "show", str(job["id"]), "--json"))["status"] == "succeeded"
    assert [o["status"] for o in orgs(cw) if o["name"] == "Dev"] == ["active"]


def test_job_wait_runs_a_queued_job_to_its_end(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    job = data(
        cw(
            "sandbox",
            "create",
            "Dev",
            "--from",
            "Prod",
            "--type",
            "developer",
            "--no-wait",
            "--json",
        )
    )
    done = data(cw("job", "wait", str(job["id"]), "--json"))
    assert done["status"] == "succeeded"
    assert [o["status"] for o in orgs(cw) if o["name"] == "Dev"] == ["active"]


def test_job_show_of_an_unknown_job_fails(cw: Invoke) -> None:
    fails(cw("job", "show", "42"), "error: no job 42")


def test_sandbox_create_with_an_unknown_type_fails_naming_the_types(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    refused(
        cw,
        ["sandbox", "create", "Dev", "--from", "Prod", "--type", "huge"],
        "unknown sandbox type 'huge': use developer|developer_pro|partial|full",
    )


def test_sandbox_create_of_type_production_fails(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    refused(
        cw,
        ["sandbox", "create", "Dev", "--from", "Prod", "--type", "production"],
        "unknown sandbox type 'production'",
    )


@pytest.mark.parametrize("name", ["1Dev", "Dev-Box", "Abcdefghijk"])
def test_sandbox_create_with_an_invalid_name_fails_with_the_rule(cw: Invoke, name: str) -> None:
    ok(cw("org", "create", "Prod"))
    refused(
        cw,
        ["sandbox", "create", name, "--from", "Prod", "--type", "developer"],
        f"invalid sandbox name '{name}': use 1-10 letters and digits, starting with a letter",
    )


def test_sandbox_create_with_a_taken_name_fails(family: Invoke) -> None:
    refused(
        family,
        ["sandbox", "create", "dev", "--from", "Prod", "--type", "developer_pro"],
        "a sandbox named Dev exists in Prod's family",
    )


def test_sandbox_create_over_the_type_limit_fails_with_the_limit(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Part", "--from", "Prod", "--type", "partial"))
    refused(
        cw,
        ["sandbox", "create", "Part2", "--from", "Prod", "--type", "partial"],
        "Prod may have at most 1 partial sandbox; it has 1",
    )


def test_sandbox_clone_lists_its_source(family: Invoke) -> None:
    ok(family("sandbox", "create", "Dev2", "--from", "Dev", "--type", "developer"))
    [clone] = [o for o in orgs(family) if o["name"] == "Dev2"]
    assert (clone["source"], clone["production"], clone["status"]) == ("Dev", "Prod", "active")


def test_sandbox_refresh_before_the_interval_fails_saying_when(family: Invoke) -> None:
    refused(
        family,
        ["sandbox", "refresh", "Dev"],
        "a developer sandbox can be refreshed again from 2026-01-06 09:00 UTC",
        now="2026-01-06T08:59:00+00:00",
    )


def test_sandbox_refresh_then_activate_gives_the_sandbox_a_new_id(family: Invoke) -> None:
    later = "2026-01-06T09:00:00+00:00"
    old = data(family("org", "show", "Dev", "--json"))
    ok(family("connection", "allow", "Prod", "--from", "Dev"))
    ok(family("sandbox", "refresh", "Dev", now=later))
    [dev] = [o for o in orgs(family) if o["name"] == "Dev"]
    assert dev["id"] == old["id"] and dev["refresh"]["status"] == "pending_activation"
    new = data(family("sandbox", "activate", "Dev", "--json", now=later))
    assert new["id"] == dev["refresh"]["id"] != old["id"]
    assert data(family("org", "show", "Dev", "--json"))["id"] == new["id"]
    assert conns(family, "Prod")["Dev"] == (False, False)
    removed = [
        e
        for e in data(family("audit", "--json"))
        if e["action"] == "connection.authorization_removed"
    ]
    assert [(e["org"], e["details"]["source"], e["details"]["reason"]) for e in removed] == [
        ("Prod", "Dev", "Dev refreshed")
    ]


def test_sandbox_refresh_while_one_waits_fails(family: Invoke) -> None:
    later = "2026-01-07T09:00:00+00:00"
    ok(family("sandbox", "refresh", "Dev", now=later))
    refused(
        family,
        ["sandbox", "refresh", "Dev"],
        "Dev already has a refresh that is pending_activation; activate or discard it first",
        now=later,
    )


def test_sandbox_discard_keeps_the_old_sandbox(family: Invoke) -> None:
    later = "2026-01-07T09:00:00+00:00"
    old = data(family("org", "show", "Dev", "--json"))
    ok(family("sandbox", "refresh", "Dev", now=later))
    assert (
        "discarded the refresh of Dev" in ok(family("sandbox", "discard", "Dev", now=later)).stdout
    )
    shown = data(family("org", "show", "Dev", "--json"))
    assert shown["id"] == old["id"] and shown["status"] == "active"


def test_sandbox_activate_without_a_refresh_fails(family: Invoke) -> None:
    refused(family, ["sandbox", "activate", "Dev"], "cannot activate Dev: it has no refresh")


def test_sandbox_discard_without_a_refresh_fails(family: Invoke) -> None:
    refused(family, ["sandbox", "discard", "Test"], "cannot discard Test: it has no refresh")


def test_sandbox_delete_removes_it_and_its_connections(family: Invoke) -> None:
    ok(family("connection", "allow", "Test", "--from", "Dev"))
    ok(family("sandbox", "delete", "Dev"))
    assert [o["name"] for o in orgs(family)] == ["Prod", "Test"]
    assert conns(family, "Test") == {"Prod": (False, False)}
    assert data(family("audit", "--org", "Dev", "--json"))[-1]["action"] == "sandbox.deleted"


def test_actions_on_a_deleted_sandbox_fail(family: Invoke) -> None:
    ok(family("sandbox", "delete", "Dev"))
    later = "2026-02-05T09:00:00+00:00"
    for action in ("refresh", "activate", "discard", "delete"):
        refused(family, ["sandbox", action, "Dev"], "error: no org named 'Dev'", now=later)
    refused(family, ["connection", "list", "Dev"], "no org named 'Dev'")


def test_sandbox_delete_of_a_production_org_fails(family: Invoke) -> None:
    refused(family, ["sandbox", "delete", "Prod"], "cannot delete Prod: it is a production org")


# --- connections -----------------------------------------------------------------------------


def test_connection_list_json_shows_each_connected_org_and_both_directions(family: Invoke) -> None:
    rows = data(family("connection", "list", "Dev", "--json"))
    assert [r["org"] for r in rows] == ["Prod", "Test"]
    assert all(r["allows_inbound"] is False and r["accepts_outbound"] is False for r in rows)
    assert {r["kind"] for r in rows} == {"production", "developer"}


def test_connection_allow_shows_inbound_on_target_and_outbound_on_source(family: Invoke) -> None:
    out = ok(family("connection", "allow", "Prod", "--from", "Test")).stdout
    assert "Prod now allows inbound changes from Test" in out
    assert conns(family, "Prod") == {"Dev": (False, False), "Test": (True, False)}
    assert conns(family, "Test") == {"Prod": (False, True), "Dev": (False, False)}


def test_connection_revoke_removes_the_authorization(family: Invoke) -> None:
    ok(family("connection", "allow", "Prod", "--from", "Test"))
    out = ok(family("connection", "revoke", "Prod", "--from", "Test")).stdout
    assert "Prod no longer allows inbound changes from Test" in out
    assert conns(family, "Prod")["Test"] == (False, False)


def test_connection_revoke_from_the_source_side_fails(family: Invoke) -> None:
    ok(family("connection", "allow", "Prod", "--from", "Test"))
    refused(
        family,
        ["connection", "revoke", "Test", "--from", "Prod"],
        "Test does not allow inbound changes from Prod; nothing to revoke",
    )


def test_connection_allow_to_itself_fails(family: Invoke) -> None:
    refused(family, ["connection", "allow", "Dev", "--from", "Dev"], "no connection to itself")


def test_connection_allow_across_families_fails(family: Invoke) -> None:
    ok(family("org", "create", "Other"))
    refused(
        family,
        ["connection", "allow", "Other", "--from", "Dev"],
        "Dev and Other belong to different families; they are not connected",
    )


def test_connection_allow_twice_fails(family: Invoke) -> None:
    ok(family("connection", "allow", "Dev", "--from", "Test"))
    refused(
        family,
        ["connection", "allow", "Dev", "--from", "Test"],
        "Dev already allows inbound changes from Test",
    )


def test_connection_graph_with_an_unknown_format_fails(family: Invoke) -> None:
    fails(family("connection", "graph", "Prod", "--format", "png"), "unknown graph format 'png'")


# --- demo ------------------------------------------------------------------------------------

REFERENCE_MATRIX = {
    "Prod": {"Dev": False, "Test": True},
    "Dev": {"Prod": True, "Test": True},
    "Test": {"Prod": False, "Dev": True},
}


@pytest.fixture
def demo(cw: Invoke) -> Invoke:
    ok(cw("demo"))
    return cw


def test_demo_builds_the_reference_matrix(demo: Invoke) -> None:
    matrix = data(demo("connection", "matrix", "Prod", "--json"))
    assert matrix == {"orgs": ["Prod", "Dev", "Test"], "allows_inbound": REFERENCE_MATRIX}


def test_demo_connection_lists_match_the_reference_paths(demo: Invoke) -> None:
    assert conns(demo, "Prod") == {"Dev": (False, True), "Test": (True, False)}
    assert conns(demo, "Dev") == {"Prod": (True, False), "Test": (True, True)}
    assert conns(demo, "Test") == {"Prod": (False, True), "Dev": (True, True)}


def test_demo_prints_the_promotion_paths(cw: Invoke) -> None:
    out = ok(cw("demo")).stdout
    for edge in ("Test -> Prod", "Prod -> Dev", "Dev -> Test", "Test -> Dev"):
        assert edge in out
    assert "Dev -> Prod" not in out and "Prod -> Test" not in out


def test_connection_graph_formats_show_the_same_arrows(demo: Invoke) -> None:
    text = ok(demo("connection", "graph", "Prod")).stdout.splitlines()
    assert sorted(text) == ["Dev -> Test", "Prod -> Dev", "Test -> Dev", "Test -> Prod"]
    mermaid = ok(demo("connection", "graph", "Prod", "--format", "mermaid")).stdout
    assert mermaid.startswith("graph LR") and "    Test --> Prod" in mermaid
    assert "Prod --> Test" not in mermaid
    dot = ok(demo("connection", "graph", "Dev", "--format", "dot")).stdout
    assert dot.startswith("digraph promotion_paths {") and '"Test" -> "Prod";' in dot
    assert '"Dev" -> "Prod"' not in dot


def test_demo_twice_fails_without_changing_anything(demo: Invoke) -> None:
    refused(demo, ["demo"], "a production org named 'Prod' exists")


# --- audit -----------------------------------------------------------------------------------


def test_audit_json_records_who_did_what_where_and_when(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod", actor="root"))
    for name in ("bob", "carol"):
        ok(cw("user", "create", name, "--admin", actor="root"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer", actor="bob"))
    ok(cw("connection", "allow", "Prod", "--from", "Dev", actor="carol", now="2026-01-05T10:00:00"))
    events = [e for e in data(cw("audit", "--json", actor="root")) if e["action"] != "user.created"]
    assert [(e["actor"], e["action"], e["org"], e["entrypoint"]) for e in events] == [
        ("root", "org.created", "Prod", "cli"),
        ("bob", "sandbox.create_requested", "Dev", "cli"),
        ("bob", "sandbox.copied", "Dev", "cli"),
        ("carol", "connection.inbound_allowed", "Prod", "cli"),
    ]
    assert events[-1]["details"]["source"] == "Dev"
    assert events[0]["at"] == T0 and events[-1]["at"] == "2026-01-05T10:00:00+00:00"


def test_a_pinned_clock_is_refused_unless_the_operator_allows_it(tmp_path: Path) -> None:
    runner = CliRunner()
    store = ["--data-dir", str(tmp_path / "data")]
    plain = {"LOGNAME": "alice", "CHANGEWAY_ALLOW_CLOCK_OVERRIDE": None}
    ok(runner.invoke(app, [*store, "org", "create", "Prod"], env=plain))
    backdated = runner.invoke(
        app, [*store, "org", "create", "Old"], env={**plain, "CHANGEWAY_NOW": "2020-01-01T00:00"}
    )
    fails(backdated, "error: CHANGEWAY_NOW is set but this store does not allow pinning the clock")
    events = data(runner.invoke(app, [*store, "audit", "--json"], env=plain))
    assert [e["action"] for e in events] == ["user.created", "org.created"]
    assert all(not e["at"].startswith("2020") for e in events)
    assert all("clock_overridden" not in e["details"] for e in events)
    listed = data(runner.invoke(app, [*store, "org", "list", "--json"], env=plain))
    assert [o["name"] for o in listed] == ["Prod"]


def test_audit_shows_entries_written_under_a_pinned_clock(tmp_path: Path) -> None:
    store = tmp_path / "data"
    store.mkdir()
    (store / "config.toml").write_text("[clock]\nallow_override = true\n")
    runner = CliRunner()
    args = ["--data-dir", str(store)]
    env = {"LOGNAME": "alice", "COLUMNS": "200", "CHANGEWAY_ALLOW_CLOCK_OVERRIDE": None}
    ok(runner.invoke(app, [*args, "org", "create", "Prod"], env=env))
    pinned = {**env, "CHANGEWAY_NOW": "2020-01-01T00:00"}
    ok(runner.invoke(app, [*args, "org", "create", "Old"], env=pinned))
    events = data(runner.invoke(app, [*args, "audit", "--json"], env=env))
    created = {e["org"]: e for e in events if e["action"] == "org.created"}
    assert created["Old"]["at"] == "2020-01-01T00:00:00+00:00"
    assert created["Old"]["details"]["clock_overridden"] is True
    assert "clock_overridden" not in created["Prod"]["details"]
    table = ok(runner.invoke(app, [*args, "audit", "--org", "Old"], env=env)).stdout
    assert "clock_overridden: yes" in table


def test_audit_org_filter_follows_the_sandbox_across_refreshes(family: Invoke) -> None:
    later = "2026-01-06T09:00:00+00:00"
    first = data(family("org", "show", "Dev", "--json"))["id"]
    ok(family("sandbox", "refresh", "Dev", now=later))
    ok(family("sandbox", "activate", "Dev", now=later))
    events = data(family("audit", "--org", "Dev", "--json"))
    assert events[0]["action"] == "sandbox.create_requested" and events[0]["org_id"] == first
    assert events[-1]["action"] == "sandbox.activated"
    assert {e["org"] for e in events} == {"Dev"}


def test_audit_for_an_unknown_org_fails(cw: Invoke) -> None:
    fails(cw("audit", "--org", "Nope"), "error: no org named 'Nope'")


def test_audit_table_lists_the_events(family: Invoke) -> None:
    out = ok(family("audit")).stdout
    assert "Audit trail" in out and "org.created" in out and "alice" in out


# --- the installed command -------------------------------------------------------------------


def test_installed_changeway_demo_runs_end_to_end(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("changeway")
    env = {
        **os.environ,
        "CHANGEWAY_DATA_DIR": str(tmp_path / "store"),
        "NO_COLOR": "1",
        "LOGNAME": "ops",
    }
    env.pop("CHANGEWAY_NOW", None)
    env.pop("CHANGEWAY_DATABASE_URL", None)
    demo = subprocess.run([str(exe), "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert "Test -> Prod" in demo.stdout
    assert f"store: sqlite:///{tmp_path / 'store' / 'changeway.db'}\n" in demo.stdout
    matrix = subprocess.run(
        [str(exe), "connection", "matrix", "Prod", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert matrix.returncode == 0, matrix.stderr
    assert json.loads(matrix.stdout)["allows_inbound"] == REFERENCE_MATRIX


# --- what users read -------------------------------------------------------------------------


def every_command(group: click.Group, ctx: click.Context) -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield f"{ctx.command_path} {name}", command
        if isinstance(command, click.Group):
            yield from every_command(command, click.Context(command, info_name=name, parent=ctx))


def test_every_option_of_every_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    ctx = click.Context(root, info_name="changeway")
    commands = [("changeway", root), *every_command(root, ctx)]
    assert len(commands) > 60
    silent = [
        f"{path} {option.opts[0]}"
        for path, command in commands
        for option in command.params
        if isinstance(option, click.Option) and not (option.help or "").strip()
    ]
    assert silent == []


def test_demo_marks_the_refused_shortcut_as_expected_not_as_a_success(cw: Invoke) -> None:
    lines = ok(cw("demo")).stdout.splitlines()
    [shortcut] = [line for line in lines if "upload Shortcut" in line]
    assert shortcut.startswith(" ✗ upload Shortcut Dev → Prod: refused, as expected: ")
    assert "Prod does not allow inbound changes from Dev" in shortcut
    assert sum(line.startswith(" ✓ ") for line in lines) == 5


def test_org_show_prints_readable_text_not_python_values(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    out = ok(cw("org", "show", "Prod")).stdout
    assert "allow_direct_changes: no\n" in out and "source: -\n" in out
    assert "limits:\n  max_sandboxes:\n    developer: 100\n" in out
    assert not any(text in out for text in ("{", "[", "None", "False", "True"))


def test_audit_prints_details_as_text_and_whole_rows_off_a_terminal(
    demo: Invoke, tmp_path: Path
) -> None:
    narrow = CliRunner().invoke(
        app,
        ["--data-dir", str(tmp_path / "data"), "audit", "--org", "Dev"],
        env={"COLUMNS": "40", "LOGNAME": "alice"},
    )
    out = ok(narrow).stdout
    [row] = [line for line in out.splitlines() if "components_added" in line and "Shortcut" in line]
    assert "components: CustomField:Project__c.Due_Date__c, ApexClass:ProjectService" in row
    assert "…" not in out and "['" not in out


def test_empty_lists_say_what_to_do_next(cw: Invoke) -> None:
    assert "create one with `changeway org create NAME`" in ok(cw("org", "list")).stdout
    ok(cw("org", "create", "Prod"))
    said = {
        ("metadata", "list", "Prod"): "import some with `changeway metadata import`",
        ("inbound", "list", "Prod"): "upload a change set with `changeway changeset upload",
        ("token", "list"): "create one with `changeway token create USER`",
        ("job", "list"): "no jobs yet: sandbox copies, refreshes and deployments run as jobs",
        ("audit", "--action", "sandbox"): "no audit events match: widen the filters",
    }
    for args, hint in said.items():
        assert hint in " ".join(ok(cw(*args)).stdout.split()), args
    ok(cw("changeset", "create", "Prod", "Empty"))
    shown = ok(cw("changeset", "show", "Prod", "Empty")).stdout
    assert "add components with `changeway changeset add Prod Empty`" in shown


def test_user_jwt_keys_are_added_listed_and_removed(cw: Invoke, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = tmp_path / "ci.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    private = tmp_path / "ci.key"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ok(cw("user", "create", "bot"))
    assert "no JWT keys" in ok(cw("user", "jwt-list")).stdout
    fails(
        cw("user", "jwt-add", "bot", "--client-id", "ci", "--certificate", str(private)),
        "error: that is a private key: register the certificate or the public key",
    )
    fails(
        cw("user", "jwt-add", "bot", "--client-id", "ci", "--certificate", str(tmp_path / "no")),
        "error: cannot read",
    )
    added = ok(cw("user", "jwt-add", "bot", "--client-id", "ci", "--certificate", str(public)))
    assert "bot may log in through client id ci (key SHA-256 " in added.stdout
    [listed] = data(cw("user", "jwt-list", "bot", "--json"))
    assert (listed["user"], listed["client_id"], len(listed["fingerprint"])) == ("bot", "ci", 64)
    fails(
        cw(
            "user", "jwt-add", "bot", "--client-id", "ci", "--certificate", str(public), actor="bot"
        ),
        "only server administrators may",
    )
    assert (
        "removed bot's key for client id ci"
        in ok(cw("user", "jwt-remove", "bot", "--client-id", "ci")).stdout
    )
    assert data(cw("user", "jwt-list", "--json")) == []
    fails(cw("user", "jwt-remove", "bot", "--client-id", "ci"), "bot has no key for client id ci")
    actions = [e["action"] for e in data(cw("audit", "--action", "user", "--json"))]
    assert actions[-2:] == ["user.jwt_key_added", "user.jwt_key_removed"]
