"""`changeway deployment ...`: history, details, cancel, quick deploy, rollback."""

from __future__ import annotations

import typer
from rich.table import Table

from changeway.cli.client import all_pages
from changeway.cli.context import client, console, failures, print_json, print_table
from changeway.cli.deploying import (
    TEST_LEVEL,
    TESTS,
    follow_deployment,
    show_deployment,
    test_names,
)

app = typer.Typer(
    help="Validations and deployments: history, cancel, quick deploy, rollback.",
    no_args_is_help=True,
)
_JSON = typer.Option(False, "--json", help="print JSON")
_WAIT = typer.Option(True, "--wait/--no-wait", help="follow the deployment to its end")


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = _JSON) -> None:
    """Every validation and deployment into ORG: who, when, what, outcome, timings."""
    with failures():
        found = all_pages(client(ctx), "deployment.list", org=org)
    if json_:
        print_json(found)
        return
    if not found:
        console.print(f"nothing was validated or deployed in {org} yet")
        return
    table = Table("Id", "Kind", "Status", "By", "Created", "Components", "Tests", "Seconds")
    for d in found:
        table.add_row(
            str(d["id"]),
            d["kind"],
            d["status"],
            d["created_by"],
            d["created_at"][:16].replace("T", " "),
            str(len(d["components"])),
            d["test_results"].get("status", ""),
            f"{d['timings'].get('total_s', 0):.2f}",
        )
    print_table(table)


@app.command("show")
def show(ctx: typer.Context, deployment_id: int, json_: bool = _JSON) -> None:
    """One deployment with its per-component and test results."""
    with failures():
        d = client(ctx).call("deployment.show", deployment_id=deployment_id)
    show_deployment(d, as_json=json_)


@app.command("cancel")
def cancel(ctx: typer.Context, deployment_id: int, json_: bool = _JSON) -> None:
    """Cancel: at once while queued; running ones go through canceling to canceled."""
    with failures():
        d = client(ctx).call("deployment.cancel", deployment_id=deployment_id)
    show_deployment(d, as_json=json_)


@app.command("quick-deploy")
def quick_deploy(
    ctx: typer.Context, validation_id: int, wait: bool = _WAIT, json_: bool = _JSON
) -> None:
    """Deploy a successful validation (within 10 days, target unchanged) without re-running it."""
    with failures():
        d = client(ctx).call("deployment.quick_deploy", deployment_id=validation_id)
    follow_deployment(ctx, d, wait=wait, as_json=json_)


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    deployment_id: int,
    test_level: str = TEST_LEVEL,
    tests: list[str] = TESTS,
    allow_overwrite: bool = typer.Option(
        False, "--allow-overwrite", help="restore even components changed since"
    ),
    reason: str | None = typer.Option(None, "--reason", help="why (recorded)"),
    wait: bool = _WAIT,
    json_: bool = _JSON,
) -> None:
    """Restore exactly what a deployment touched, as a new deployment (same checks and tests)."""
    with failures():
        d = client(ctx).call(
            "deployment.rollback",
            deployment_id=deployment_id,
            test_level=test_level,
            tests=test_names(tests),
            allow_overwrite=allow_overwrite,
            reason=reason,
        )
    follow_deployment(ctx, d, wait=wait, as_json=json_)
