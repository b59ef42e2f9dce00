"""`changeway deployment ...`: history, details, cancel, quick deploy, rollback."""

from __future__ import annotations

import typer
from rich.table import Table

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.deploying import follow_deployment, show_deployment
from changeway.cli.render import deployment_dict
from changeway.services import deployments

app = typer.Typer(
    help="Validations and deployments: history, cancel, quick deploy, rollback.",
    no_args_is_help=True,
)


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Every validation and deployment into ORG: who, when, what, outcome, timings."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        found = deployments.list_deployments(uow, org=org)
    if json_:
        print_json([deployment_dict(d) for d in found])
        return
    table = Table("Id", "Kind", "Status", "By", "Created", "Components", "Tests", "Seconds")
    for d in found:
        table.add_row(
            str(d.id),
            d.kind.value,
            d.status.value,
            d.created_by,
            f"{d.created_at:%Y-%m-%d %H:%M}",
            str(len(d.components)),
            d.tests_result.get("status", ""),
            f"{d.timings.get('total_s', 0):.2f}",
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context, deployment_id: int, json_: bool = typer.Option(False, "--json")
) -> None:
    """One deployment with its per-component and test results."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        d = deployments.get_deployment(uow, deployment_id=deployment_id)
    show_deployment(d, as_json=json_)


@app.command("cancel")
def cancel(
    ctx: typer.Context, deployment_id: int, json_: bool = typer.Option(False, "--json")
) -> None:
    """Cancel: at once while queued; running ones go through canceling to canceled."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        d = deployments.cancel(uow, clock=s.app.clock, actor=s.actor, deployment_id=deployment_id)
    show_deployment(d, as_json=json_)


@app.command("quick-deploy")
def quick_deploy(
    ctx: typer.Context,
    validation_id: int,
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Deploy a successful validation (within 10 days, target unchanged) without re-running it."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        d = deployments.quick_deploy(
            uow, clock=s.app.clock, actor=s.actor, deployment_id=validation_id
        )
    follow_deployment(s, d, wait=wait, as_json=json_)


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    deployment_id: int,
    allow_overwrite: bool = typer.Option(False, "--allow-overwrite"),
    reason: str | None = typer.Option(None, "--reason"),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Restore exactly what a deployment touched, as a new deployment."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        d = deployments.rollback(
            uow,
            clock=s.app.clock,
            actor=s.actor,
            deployment_id=deployment_id,
            allow_overwrite=allow_overwrite,
            reason=reason,
        )
    follow_deployment(s, d, wait=wait, as_json=json_)
