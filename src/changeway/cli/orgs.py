"""`changeway org ...`: production orgs."""

from __future__ import annotations

import typer

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.render import org_dict, orgs_table
from changeway.services import orgs

app = typer.Typer(help="Production orgs and every org's details.", no_args_is_help=True)


@app.command("create")
def create(ctx: typer.Context, name: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Create a production org."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        org = orgs.create_production(uow, clock=s.app.clock, actor=s.actor, name=name)
    with failures(), s.app.uow() as uow:
        summary = orgs.show_org(uow, ref=org.id)
    if json_:
        print_json(org_dict(summary))
    else:
        console.print(f"created production org [bold]{org.name}[/] ({org.id})")


@app.command("list")
def list_(ctx: typer.Context, json_: bool = typer.Option(False, "--json")) -> None:
    """List every org, family by family."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        summaries = orgs.list_orgs(uow)
    if json_:
        print_json([org_dict(x) for x in summaries])
    else:
        console.print(orgs_table(summaries))


@app.command("show")
def show(ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Show one org (NAME, PRODUCTION/NAME or id)."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        summary = orgs.show_org(uow, ref=org)
    data = org_dict(summary)
    if json_:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"[bold]{key}[/]: {value}")
