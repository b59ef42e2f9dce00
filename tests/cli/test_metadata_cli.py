"""`changeway metadata ...` and `changeway compare` as users type them, on a real data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from changeway.cli.main import app
from tests.helpers_metadata import META

T0 = "2026-01-05T09:00:00+00:00"
Invoke = Callable[..., Result]
CLASSES = "force-app/main/default/classes"


@pytest.fixture
def cw(tmp_path: Path) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str, actor: str = "alice", now: str = T0) -> Result:
        return runner.invoke(
            app,
            ["--data-dir", str(tmp_path / "data"), *args],
            env={
                "CHANGEWAY_NOW": now,
                "CHANGEWAY_ALLOW_CLOCK_OVERRIDE": "1",
                "COLUMNS": "200",
                "CHANGEWAY_TEST_RUNNER": "",
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
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert message in " ".join(result.stderr.split()), result.stderr
    assert result.stdout == ""


def project(root: Path, classes: dict[str, str]) -> Path:
    (root / "force-app").mkdir(parents=True)
    (root / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "force-app"}]}')
    for name, body in classes.items():
        (root / CLASSES).mkdir(parents=True, exist_ok=True)
        (root / CLASSES / f"{name}.cls").write_text(body)
        (root / CLASSES / f"{name}.cls-meta.xml").write_bytes(META)
    return root


@pytest.fixture
def dev(cw: Invoke, tmp_path: Path) -> Invoke:
    """Prod (empty) and sandbox Dev holding classes A and B (version 2)."""
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    src = project(tmp_path / "v1", {"A": "class A {\n  // one\n}\n", "B": "class B { A a; }\n"})
    ok(cw("metadata", "import", "Dev", str(src), "-m", "first load"))
    return cw


def test_list_json_gives_type_name_and_files(dev: Invoke) -> None:
    rows = data(dev("metadata", "list", "Dev", "--json"))
    assert [(r["type"], r["name"]) for r in rows] == [("ApexClass", "A"), ("ApexClass", "B")]
    assert {f["path"] for f in rows[0]["files"]} == {
        f"{CLASSES}/A.cls",
        f"{CLASSES}/A.cls-meta.xml",
    }
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in rows[0]["files"])
    table = " ".join(ok(dev("metadata", "list", "Dev", "--type", "ApexClass")).stdout.split())
    assert "ApexClass" in table and " A " in table
    assert data(dev("metadata", "list", "Prod", "--json")) == []
    fails(dev("metadata", "list", "Nope"), "Nope")


def test_a_listing_of_several_pages_prints_the_same_json_and_whole_lines(
    dev: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = ok(dev("metadata", "list", "Dev", "--json")).stdout
    monkeypatch.setattr("changeway.cli.client.PAGE", 1)  # one component per page
    assert ok(dev("metadata", "list", "Dev", "--json")).stdout == whole
    assert whole == json.dumps(json.loads(whole), indent=2) + "\n"
    sizes = {r["name"]: sum(f["size"] for f in r["files"]) for r in json.loads(whole)}
    lines = ok(dev("metadata", "list", "Dev")).stdout.splitlines()
    assert lines == [
        "Type\tName\tFiles\tBytes",
        f"ApexClass\tA\t2\t{sizes['A']}",
        f"ApexClass\tB\t2\t{sizes['B']}",
    ]
    fails(dev("metadata", "list", "Nope", "--json"), "Nope")


def test_show_prints_each_file_and_refuses_an_unknown_component(dev: Invoke) -> None:
    shown = ok(dev("metadata", "show", "Dev", "ApexClass", "A")).stdout
    assert "class A {\n  // one\n}" in shown and "<status>Active</status>" in shown
    as_json = data(dev("metadata", "show", "Dev", "ApexClass", "A", "--json"))
    assert (as_json["type"], as_json["name"]) == ("ApexClass", "A")
    fails(dev("metadata", "show", "Dev", "ApexClass", "Zed"), "Dev has no component ApexClass:Zed")
    fails(dev("metadata", "show", "Dev@9", "ApexClass", "A"), "Dev has no version 9")


def test_history_shows_who_why_and_when(dev: Invoke, tmp_path: Path) -> None:
    src = project(tmp_path / "v2", {"A": "class A {\n  // two\n}\n"})
    ok(dev("user", "create", "bob"))
    ok(
        dev(
            "user",
            "grant",
            "bob",
            "Dev",
            "view_setup",
            "Modify Metadata Through Metadata API Functions",
        )
    )
    ok(dev("metadata", "import", "Dev", str(src), actor="bob", now="2026-01-06T10:30:00+00:00"))
    rows = data(dev("metadata", "history", "Dev", "--json"))
    assert [(r["number"], r["author"], r["reason"]) for r in rows][1:] == [
        (2, "alice", "first load"),
        (3, "bob", "import of v2"),
    ]
    assert rows[2]["created_at"].startswith("2026-01-06T10:30:00")
    table = " ".join(ok(dev("metadata", "history", "Dev")).stdout.split())
    assert "2026-01-06" in table and "10:30:00" in table and "bob" in table


def test_compare_json_and_diff_output(dev: Invoke, tmp_path: Path) -> None:
    src = project(tmp_path / "v2", {"A": "class A {\n  // two\n}\n", "C": "class C { }\n"})
    ok(dev("metadata", "import", "Dev", str(src)))
    ok(dev("metadata", "import", "Dev", str(src), "--replace"))  # B deleted
    result = data(dev("compare", "Dev@2", "Dev", "--json"))
    assert (result["a"], result["b"]) == ("Dev@2", "Dev@4")
    assert result["added"] == [{"type": "ApexClass", "name": "C"}]
    assert result["changed"] == [{"type": "ApexClass", "name": "A"}]
    assert result["deleted"] == [{"type": "ApexClass", "name": "B"}]
    assert result["identical"] == 0
    other = data(dev("compare", "Prod", "Dev", "--json"))
    assert (other["a"], len(other["added"]), other["identical"]) == ("Prod@1", 2, 0)
    out = ok(dev("compare", "Dev@2", "Dev", "--diff")).stdout
    assert "1 added, 1 changed, 1 deleted, 0 identical" in " ".join(out.split())
    assert f"--- Dev@2/{CLASSES}/A.cls" in out and f"+++ Dev@4/{CLASSES}/A.cls" in out
    assert "-  // one" in out and "+  // two" in out
    fails(dev("compare", "Dev@x", "Dev"), "bad version in 'Dev@x'")


def test_export_too_deep_for_the_file_system_is_one_line_and_writes_nothing(
    cw: Invoke, tmp_path: Path
) -> None:
    longest = "C" + "x" * 39  # an Apex class name at Salesforce's 40-character limit
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    ok(cw("metadata", "import", "Dev", str(project(tmp_path / "p", {longest: "class C { }\n"}))))
    deep = tmp_path / "deep"
    while len(str(deep)) < 4020:  # the folder fits the system's path limit; its files do not
        deep /= "d" * min(200, 4020 - len(str(deep)))
    deep.mkdir(parents=True)
    for fmt in ("source", "mdapi"):
        for out in (deep / "out", deep / "more" / "out"):
            result = cw("metadata", "export", "Dev", str(out), "--format", fmt)
            fails(result, "File name too long")
            assert len(result.stderr.strip().splitlines()) == 1
            assert list(deep.iterdir()) == []


def test_export_reports_what_it_wrote_and_refuses_bad_options(dev: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    said = " ".join(
        ok(dev("metadata", "export", "Dev", str(out), "--format", "source")).stdout.split()
    )
    assert said == f"wrote 2 components of Dev@2 to {out}"
    assert (out / CLASSES / "B.cls").read_text() == "class B { A a; }\n"
    fails(
        dev("metadata", "export", "Dev", str(tmp_path / "x"), "--format", "xml"), "unknown format"
    )
    fails(
        dev("metadata", "export", "Dev", str(tmp_path / "y"), "--format", "source", "--zip"),
        "--zip goes with --format mdapi",
    )
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_import_warns_about_files_that_belong_to_no_component(dev: Invoke, tmp_path: Path) -> None:
    src = project(tmp_path / "v2", {"A": "class A {\n  // one\n}\n"})
    (src / "force-app" / "notes.txt").write_text("not metadata\n")
    result = ok(dev("metadata", "import", "Dev", str(src)))
    assert "Dev: nothing changed" in result.stdout
    assert "were not imported: force-app/notes.txt" in " ".join(result.stderr.split())
    assert data(dev("metadata", "import", "Dev", str(src), "--json"))["skipped"] == [
        "force-app/notes.txt"
    ]


def test_org_create_from_warns_about_files_that_belong_to_no_component(
    cw: Invoke, tmp_path: Path
) -> None:
    src = project(tmp_path / "app", {"A": "class A {}\n"})
    (src / "force-app" / "notes.txt").write_text("not metadata\n")
    result = ok(cw("org", "create", "Acme", "--from", str(src)))
    assert "created production org Acme" in result.stdout
    assert "were not imported: force-app/notes.txt" in " ".join(result.stderr.split())
    listed = data(cw("metadata", "list", "Acme", "--json"))
    assert [(c["type"], c["name"]) for c in listed] == [("ApexClass", "A")]
    shown = data(cw("org", "show", "Acme", "--json"))
    assert (shown["version"], shown["components"]) == (1, 1)


def test_org_set_takes_true_or_false(dev: Invoke) -> None:
    fails(dev("org", "set", "Prod", "--allow-direct-changes", "maybe"), "takes true or false")
    out = ok(dev("org", "set", "Prod", "--allow-direct-changes", "yes")).stdout
    assert "Prod now allows direct metadata changes" in out


def test_the_installed_command_runs_an_import(tmp_path: Path) -> None:
    """The console entry point, as a process: exit codes and streams as a shell sees them."""
    src = project(tmp_path / "p", {"A": "class A { }\n"})
    env = {**os.environ, "CHANGEWAY_DATA_DIR": str(tmp_path / "data")}
    env |= {"CHANGEWAY_NOW": T0, "CHANGEWAY_ALLOW_CLOCK_OVERRIDE": "1"}
    command = [sys.executable, "-m", "changeway.cli.main"]
    run = subprocess.run([*command, "org", "create", "P"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    run = subprocess.run(
        [*command, "metadata", "import", "P", str(src)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 1 and run.stdout == ""
    assert "P refuses direct metadata changes" in " ".join(run.stderr.split())


def test_show_escapes_control_characters_when_printing_to_a_terminal(
    dev: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changeway.cli import context

    hostile = "class E {\n  // \x1b]0;owned\x07 \x1b[2J\t tab kept\n}\n"
    ok(dev("metadata", "import", "Dev", str(project(tmp_path / "esc", {"E": hostile}))))
    piped = ok(dev("metadata", "show", "Dev", "ApexClass", "E")).stdout
    assert "\x1b]0;owned" in piped  # what a pipe gets is left to the script reading it
    monkeypatch.setattr(context.console, "_force_terminal", True)
    monkeypatch.setattr(context.console, "_color_system", None)
    shown = ok(dev("metadata", "show", "Dev", "ApexClass", "E")).stdout
    assert "\x1b" not in shown and "\x07" not in shown
    assert "// \\x1b]0;owned\\x07 \\x1b[2J" in shown and "tab kept" in shown
