"""Shared by the commands that start a deployment: options, and following it to its end."""

from __future__ import annotations

import typer

from changeway.cli.context import CliState, console, err_console, failures, print_json
from changeway.cli.progress import follow
from changeway.cli.render import deployment_dict, result_table
from changeway.domain.deployments import Deployment, DeploymentStatus, TestLevel
from changeway.domain.errors import Refused
from changeway.services.deployments import get_deployment
from changeway.services.jobs import get_job


def test_options(level: str, tests: str) -> tuple[TestLevel, list[str]]:
    """Parse ``--test-level`` and ``--tests A,B``."""
    try:
        test_level = TestLevel(level)
    except ValueError:
        choices = ", ".join(t.value for t in TestLevel)
        raise Refused(f"unknown test level {level!r}: use one of {choices}") from None
    return test_level, [t.strip() for t in tests.split(",") if t.strip()]


def follow_deployment(s: CliState, d: Deployment, *, wait: bool, as_json: bool) -> None:
    """Run/await the deployment's job, then print it; exit non-zero unless it succeeded."""
    with failures(), s.app.uow() as uow:
        job = get_job(uow, d.job_id or 0)
    follow(s, job, wait=wait, as_json=as_json, label=f"{d.kind.value} {d.id}", quiet=True)
    with failures(), s.app.uow() as uow:
        final = get_deployment(uow, deployment_id=d.id)
    show_deployment(final, as_json=as_json)
    if wait and final.status is not DeploymentStatus.SUCCEEDED:
        raise typer.Exit(1)


def show_deployment(d: Deployment, *, as_json: bool) -> None:
    """A deployment's status, per-component results and tests."""
    if as_json:
        print_json(deployment_dict(d))
        return
    colour = {"succeeded": "green", "failed": "red", "canceled": "yellow"}.get(
        d.status.value, "cyan"
    )
    console.print(f"{d.kind.value} {d.id}: [bold {colour}]{d.status.value}[/]")
    if d.error:
        err_console.print(f"[red]{d.error}[/]", highlight=False)
    if d.components:
        console.print(result_table(d.components, title=f"{d.kind.value} {d.id}"))
    if d.tests_result:
        console.print(f"tests ({d.tests_result.get('level')}): {d.tests_result.get('message')}")
        for t in d.tests_result.get("tests", []):
            if t["outcome"] != "passed":
                console.print(
                    f"  {t['outcome']}: {t['class']}.{t['name']} {t['message'] or ''}",
                    highlight=False,
                )
