"""Shared by the commands that start a deployment: following it to its end and showing it."""

from __future__ import annotations

from typing import Any

import typer

from changeway.cli.context import (
    HINTS,
    client,
    console,
    err_console,
    failures,
    print_json,
    print_table,
)
from changeway.cli.progress import follow
from changeway.cli.render import result_table

TEST_LEVEL = typer.Option(
    "default",
    "--test-level",
    help="default, no_test_run, run_specified_tests, run_local_tests, run_all_tests"
    " (or Salesforce's RunLocalTests, ...)",
)
TESTS = typer.Option(
    [], "--tests", help="tests for run_specified_tests: repeat the option or separate by commas"
)


def test_names(options: list[str]) -> list[str]:
    """Test names from repeated ``--tests`` options, each possibly comma-separated."""
    return [name.strip() for option in options for name in option.split(",") if name.strip()]


#: Up to this many components a deployment lists each; beyond, the unchanged are counted.
LIST_ALL = 10
UNCHANGED = ("unchanged", "already_absent")


def follow_deployment(ctx: typer.Context, d: dict[str, Any], *, wait: bool, as_json: bool) -> None:
    """Await the deployment's job, then print it; exit non-zero unless it succeeded."""
    c = client(ctx)
    with failures():
        job = c.call("job.show", job_id=d["job_id"])
    follow(c, job, wait=wait, as_json=as_json, label=f"{d['kind']} {d['id']}", quiet=True)
    with failures():
        final = c.call("deployment.show", deployment_id=d["id"])
    show_deployment(final, as_json=as_json)
    if wait and final["status"] != "succeeded":
        raise typer.Exit(1)


def show_deployment(d: dict[str, Any], *, as_json: bool) -> None:
    """A deployment's status, per-component results and tests."""
    if as_json:
        print_json(d)
        return
    colour = {"succeeded": "green", "failed": "red", "canceled": "yellow"}.get(d["status"], "cyan")
    console.print(f"{d['kind']} {d['id']}: [bold {colour}]{d['status']}[/]")
    if d["error"]:
        err_console.print(f"[red]{d['error']}[/]", highlight=False, markup=False)
    components = d["components"]
    if len(components) > LIST_ALL:
        components = [c for c in components if c["result"] not in UNCHANGED]
    if components:
        print_table(result_table(components, title=f"{d['kind']} {d['id']}"))
    if len(components) < len(d["components"]):
        console.print(f"{len(d['components']) - len(components)} components unchanged")
    if any((c["problem"] or "").startswith("conflict") for c in d["components"]):
        err_console.print(
            "hint: to overwrite the target's changes, run it again with "
            + HINTS["overwrite_reason"],
            highlight=False,
            markup=False,
        )
    tests = d["test_results"]
    if tests:
        console.print(f"tests ({tests.get('level')}): {tests.get('message')}", highlight=False)
        for t in tests.get("tests", []):
            if t["outcome"] != "passed":
                console.print(
                    f"  {t['outcome']}: {t['class']}.{t['name']} {t['message'] or ''}",
                    highlight=False,
                    markup=False,
                )
