"""`changeway org ...`: production orgs."""

from __future__ import annotations

from pathlib import Path

import typer

from changeway.cli.context import console, failures, print_json, state, warn_skipped
from changeway.cli.render import org_dict, orgs_table
from changeway.domain.errors import Refused
from changeway.services import intake, metadata, orgs

app = typer.Typer(help="Production orgs and every org's details.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    from_: Path | None = typer.Option(
        None, "--from", help="initial metadata: SFDX project, package folder, mdapi folder or zip"
    ),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Create a production org, empty or loaded from a Salesforce project."""
    s = state(ctx)
    with failures():
        initial = intake.read_checked(from_) if from_ else None
        with s.app.uow() as uow:
            org = orgs.create_production(
                uow,
                clock=s.app.clock,
                actor=s.actor,
                name=name,
                initial=initial,
                origin=from_.name if from_ else "",
            )
    if initial and initial.skipped:
        warn_skipped(initial.skipped)
    with failures(), s.app.uow() as uow:
        summary = orgs.show_org(uow, ref=org.id)
    if json_:
        print_json(org_dict(summary))
    else:
        console.print(f"created production org [bold]{org.name}[/] ({org.id})")


@app.command("set")
def set_(
    ctx: typer.Context,
    org: str,
    allow_direct_changes: str = typer.Option(
        ..., "--allow-direct-changes", help="true: imports may change ORG; false: only change sets"
    ),
) -> None:
    """Change an org's settings."""
    s = state(ctx)
    with failures():
        allowed = _flag(allow_direct_changes, "--allow-direct-changes")
        with s.app.uow() as uow:
            updated = metadata.set_direct_changes(
                uow, clock=s.app.clock, actor=s.actor, org=org, allowed=allowed
            )
    verb = "allows" if updated.allow_direct_changes else "refuses"
    console.print(f"{updated.name} now {verb} direct metadata changes")


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


def _flag(text: str, option: str) -> bool:
    """``true``/``false`` (also yes/no, 1/0) as users type them."""
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise Refused(f"{option} takes true or false, not {text!r}")
