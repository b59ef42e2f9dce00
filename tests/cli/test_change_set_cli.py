"""The `changeway changeset`, `inbound` and `deployment` commands on the reference scenario."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from changeway.bootstrap import bootstrap
from changeway.cli.main import app
from changeway.config import Settings
from changeway.domain.clock import FixedClock
from tests.helpers_metadata import apex, family, put

T0 = "2026-01-05T09:00:00+00:00"
PINNED = {"CHANGEWAY_NOW": T0, "CHANGEWAY_ALLOW_CLOCK_OVERRIDE": "1"}
Invoke = Callable[..., Result]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A SQLite store holding the reference family; Dev changed A and added C."""
    data_dir = tmp_path / "data"
    seeded = bootstrap(
        Settings.load(data_dir=data_dir),
        clock=FixedClock(datetime.fromisoformat(T0)),
        upgrade=True,
    )
    try:
        family(seeded)
        put(seeded, "Dev", [apex("A", "class A { /* v2 */ }"), apex("C")])
        put(seeded, "Test", [apex("B", "class B { /* hotfix */ }")])
    finally:
        seeded.close()
    return data_dir


@pytest.fixture
def cw(store: Path) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(
            app,
            ["--data-dir", str(store), *args],
            env={**PINNED, "COLUMNS": "200", "LOGNAME": "alice"},
        )

    return invoke


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def data(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def fails(result: Result, *messages: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    for message in messages:
        assert message in " ".join(result.stderr.split()), result.stderr


def names(cs: dict[str, Any]) -> list[str]:
    return [f"{c['type']}:{c['name']}" for c in cs["components"]]


def uploaded(cw: Invoke, *components: str, name: str = "CS1") -> None:
    ok(cw("changeset", "create", "Dev", name))
    ok(cw("changeset", "add", "Dev", name, *components))
    ok(cw("changeset", "upload", "Dev", name, "--to", "Test"))


def test_changeset_create_add_and_show(cw: Invoke) -> None:
    ok(cw("changeset", "create", "Dev", "CS1", "--description", "release 1"))
    ok(cw("changeset", "add", "Dev", "CS1", "ApexClass:A", "--delete", "ApexClass:Old"))
    shown = data(cw("changeset", "show", "Dev", "CS1", "--json"))
    assert (shown["status"], shown["description"]) == ("open", "release 1")
    assert names(shown) == ["ApexClass:A", "ApexClass:Old"]


def test_changeset_add_wildcard(cw: Invoke) -> None:
    ok(cw("changeset", "create", "Dev", "CS1"))
    shown = data(cw("changeset", "add", "Dev", "CS1", "ApexClass:*", "--json"))
    assert names(shown) == ["ApexClass:A", "ApexClass:B", "ApexClass:C", "ApexClass:U"]


def test_changeset_add_from_a_manifest(cw: Invoke, tmp_path: Path) -> None:
    manifest = tmp_path / "package.xml"
    manifest.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types><members>C</members><name>ApexClass</name></types>\n"
        "</Package>\n"
    )
    ok(cw("changeset", "create", "Dev", "CS1"))
    shown = data(cw("changeset", "add", "Dev", "CS1", "--manifest", str(manifest), "--json"))
    assert names(shown) == ["ApexClass:C"]


def test_changeset_add_of_a_missing_component_fails_naming_it(cw: Invoke) -> None:
    ok(cw("changeset", "create", "Dev", "CS1"))
    fails(cw("changeset", "add", "Dev", "CS1", "ApexClass:Nope"), "no component ApexClass:Nope")
    assert names(data(cw("changeset", "show", "Dev", "CS1", "--json"))) == []


def test_changeset_remove_and_list(cw: Invoke) -> None:
    ok(cw("changeset", "create", "Dev", "CS1"))
    ok(cw("changeset", "add", "Dev", "CS1", "ApexClass:A", "ApexClass:C"))
    ok(cw("changeset", "remove", "Dev", "CS1", "ApexClass:A"))
    (listed,) = data(cw("changeset", "list", "Dev", "--json"))
    assert (listed["name"], names(listed)) == ("CS1", ["ApexClass:C"])


def test_changeset_upload_along_an_unauthorized_path_fails_and_uploads_nothing(
    cw: Invoke,
) -> None:
    ok(cw("changeset", "create", "Dev", "CS1"))
    ok(cw("changeset", "add", "Dev", "CS1", "ApexClass:A"))
    fails(
        cw("changeset", "upload", "Dev", "CS1", "--to", "Prod"),
        "Prod does not allow inbound changes from Dev",
    )
    assert data(cw("inbound", "list", "Prod", "--json")) == []


def test_changeset_upload_over_the_operators_file_limit_fails(store: Path) -> None:
    (store / "config.toml").write_text("[change_sets]\nmax_files = 1\n")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(
            app, ["--data-dir", str(store), *args], env={**PINNED, "LOGNAME": "alice"}
        )

    ok(run("changeset", "create", "Dev", "Big"))
    ok(run("changeset", "add", "Dev", "Big", "ApexClass:A"))
    fails(run("changeset", "upload", "Dev", "Big", "--to", "Test"), "the limit is 1")
    assert data(run("inbound", "list", "Test", "--json")) == []
    assert data(run("changeset", "show", "Dev", "Big", "--json"))["status"] == "open"


def test_changeset_upload_of_an_empty_set_fails(cw: Invoke) -> None:
    ok(cw("changeset", "create", "Dev", "CS1"))
    fails(cw("changeset", "upload", "Dev", "CS1", "--to", "Test"), "is empty")


def test_changeset_clone_gives_an_open_copy(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A")
    ok(cw("changeset", "clone", "Dev", "CS1", "CS2"))
    shown = data(cw("changeset", "show", "Dev", "CS2", "--json"))
    assert (shown["status"], names(shown)) == ("open", ["ApexClass:A"])


def test_inbound_list_and_show(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A")
    (listed,) = data(cw("inbound", "list", "Test", "--json"))
    assert (listed["name"], listed["source"], listed["uploaded_by"], listed["status"]) == (
        "CS1",
        "Dev",
        "alice",
        "awaiting_deployment",
    )
    shown = data(cw("inbound", "show", "Test", "CS1", "--json"))
    assert names(shown) == ["ApexClass:A"]


def test_inbound_delete(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A")
    ok(cw("inbound", "delete", "Test", "CS1"))
    assert data(cw("inbound", "list", "Test", "--json")) == []


def test_inbound_deploy_reports_per_component_results(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A", "ApexClass:C")
    d = data(cw("inbound", "deploy", "Test", "CS1", "--json"))
    assert d["status"] == "succeeded"
    assert {f"{c['type']}:{c['name']}": c["result"] for c in d["components"]} == {
        "ApexClass:A": "changed",
        "ApexClass:C": "created",
    }


def test_inbound_deploy_of_a_conflict_fails_with_exit_code_1(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:B")
    result = cw("inbound", "deploy", "Test", "CS1")
    fails(result, "conflict")
    assert data(cw("deployment", "list", "Test", "--json"))[0]["status"] == "failed"


def test_inbound_deploy_with_allow_overwrite_needs_a_reason(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:B")
    fails(
        cw("inbound", "deploy", "Test", "CS1", "--allow-overwrite"),
        "overwriting conflicts needs a reason (it is recorded)",
        "hint: --allow-overwrite --reason TEXT",
    )
    assert data(cw("deployment", "list", "Test", "--json")) == []


def test_inbound_deploy_with_allow_overwrite_and_reason_succeeds(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:B")
    args = ("--allow-overwrite", "--reason", "v1 wins", "--json")
    d = data(cw("inbound", "deploy", "Test", "CS1", *args))
    assert (d["status"], d["overwrite_reason"]) == ("succeeded", "v1 wins")


def test_inbound_deploy_with_an_unknown_test_level_fails(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A")
    fails(cw("inbound", "deploy", "Test", "CS1", "--test-level", "some"), "unknown test level")


def test_validate_then_quick_deploy(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A")
    v = data(cw("inbound", "validate", "Test", "CS1", "--json"))
    assert (v["kind"], v["status"]) == ("validation", "succeeded")
    q = data(cw("deployment", "quick-deploy", str(v["id"]), "--json"))
    assert (q["kind"], q["status"], q["validation_id"]) == ("quick_deploy", "succeeded", v["id"])


def test_deployment_rollback_and_history(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:C")
    d = data(cw("inbound", "deploy", "Test", "CS1", "--json"))
    r = data(cw("deployment", "rollback", str(d["id"]), "--json"))
    assert (r["kind"], r["status"], r["rollback_of"]) == ("rollback", "succeeded", d["id"])
    history = data(cw("deployment", "list", "Test", "--json"))
    assert [(h["kind"], h["status"]) for h in history] == [
        ("deployment", "succeeded"),
        ("rollback", "succeeded"),
    ]


def test_deployment_cancel_of_a_queued_deployment(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:A")
    queued = data(cw("inbound", "deploy", "Test", "CS1", "--no-wait", "--json"))
    canceled = data(cw("deployment", "cancel", str(queued["id"]), "--json"))
    assert canceled["status"] == "canceled"


def test_deployment_show_of_an_unknown_id_fails(cw: Invoke) -> None:
    fails(cw("deployment", "show", "999"), "no deployment 999")


# --- what users read: suggestions, the problems a preview shows, hints, summaries ------------


def test_an_unknown_type_is_refused_with_a_suggestion_and_nothing_added(cw: Invoke) -> None:
    ok(cw("changeset", "create", "Dev", "CS1"))
    fails(
        cw("changeset", "add", "Dev", "CS1", "ApexClas:A"),
        "unknown metadata type 'ApexClas': did you mean ApexClass?",
    )
    fails(cw("changeset", "add", "Dev", "CS1", "apexclass:*"), "did you mean ApexClass?")
    fails(cw("metadata", "list", "Dev", "--type", "ApexClas"), "did you mean ApexClass?")
    fails(cw("metadata", "list", "Dev", "--type", "Nothing"), "unknown metadata type 'Nothing'")
    assert names(data(cw("changeset", "show", "Dev", "CS1", "--json"))) == []
    assert (
        "holds no components of type Layout"
        in ok(cw("metadata", "list", "Dev", "--type", "Layout")).stdout
    )


def problems(components: list[dict[str, Any]]) -> dict[str, str]:
    return {f"{c['type']}:{c['name']}": c["problem"] for c in components if c["problem"]}


def test_a_preview_shows_the_problems_a_validation_reports(cw: Invoke, store: Path) -> None:
    seeded = bootstrap(Settings.load(data_dir=store), clock=FixedClock(datetime.fromisoformat(T0)))
    try:
        needy = apex("Needy", "public class Needy { void go() { Helper.run(); } }\n")
        put(seeded, "Dev", [needy, apex("Helper")])
    finally:
        seeded.close()
    uploaded(cw, "ApexClass:Needy", "ApexClass:B")  # Helper held back; B changed in Test
    previewed = problems(data(cw("inbound", "preview", "Test", "CS1", "--json"))["components"])
    assert previewed["ApexClass:Helper"].startswith("missing dependency: needed by ApexClass:Needy")
    assert previewed["ApexClass:B"].startswith("conflict")
    table = " ".join(ok(cw("inbound", "preview", "Test", "CS1")).stdout.split())
    assert "missing dependency" in table and "conflict" in table
    fails(cw("inbound", "validate", "Test", "CS1", "--test-level", "RunLocalTests"), "failed")
    validation = data(cw("deployment", "show", "1", "--json"))
    assert validation["status"] == "failed"
    assert problems(validation["components"]) == previewed
    assert validation["test_results"]["level"] == "run_local_tests"
    assert validation["test_results"]["status"] == "not_run"
    assert data(cw("inbound", "show", "Test", "CS1", "--json"))["status"] == "awaiting_deployment"


def test_a_conflict_says_how_to_override_it(cw: Invoke) -> None:
    uploaded(cw, "ApexClass:B")
    result = cw("inbound", "deploy", "Test", "CS1")
    fails(result, "conflict", "hint: to overwrite the target's changes, run it again with")
    assert "--allow-overwrite --reason TEXT" in result.stderr


def test_a_long_deployment_counts_its_unchanged_components(cw: Invoke, store: Path) -> None:
    seeded = bootstrap(Settings.load(data_dir=store), clock=FixedClock(datetime.fromisoformat(T0)))
    try:
        same = [apex(f"Same{i:02d}") for i in range(12)]
        for org in ("Dev", "Test"):
            put(seeded, org, same)
    finally:
        seeded.close()
    uploaded(cw, "ApexClass:A", "ApexClass:Same*")
    shown = ok(cw("inbound", "deploy", "Test", "CS1")).stdout
    assert "12 components unchanged" in shown
    assert "Same00" not in shown and "ApexClass │ A " in shown
    assert data(cw("deployment", "show", "1", "--json"))["components"][1]["name"] == "Same00"
