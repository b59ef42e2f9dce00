"""`changeway inbound ...`: change sets uploaded to an org; validate, deploy, preview."""

from __future__ import annotations

import typer
from rich.table import Table

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.deploying import follow_deployment, test_options
from changeway.cli.render import inbound_dict, items_table, result_table
from changeway.services import deployments, inbound

app = typer.Typer(
    help="Inbound change sets: list, show, validate, deploy, preview, delete.", no_args_is_help=True
)


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Change sets uploaded to ORG, awaiting deployment or deployed."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        found = inbound.list_inbound(uow, org=org)
        names = {i.source_org_id: inbound.org_name(uow, i.source_org_id) for i in found}
    if json_:
        print_json([inbound_dict(i, source=names[i.source_org_id], target=org) for i in found])
        return
    table = Table("Id", "Name", "Source", "Uploaded by", "Uploaded", "Status", "Items")
    for i in found:
        table.add_row(
            str(i.id),
            i.name,
            names[i.source_org_id],
            i.uploaded_by,
            i.uploaded_at.strftime("%Y-%m-%d %H:%M"),
            i.status.value,
            str(len(i.items)),
        )
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context, org: str, name: str, json_: bool = typer.Option(False, "--json")
) -> None:
    """An inbound change set: source, uploader, time, components."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        found = inbound.get_inbound(uow, org=org, ref=name)
        source = inbound.org_name(uow, found.source_org_id)
    if json_:
        print_json(inbound_dict(found, source=source, target=org))
        return
    console.print(
        f"[bold]{found.name}[/] from {source}, uploaded by {found.uploaded_by} at"
        f" {found.uploaded_at:%Y-%m-%d %H:%M} — {found.status.value}"
    )
    console.print(items_table(found.items))


@app.command("delete")
def delete(ctx: typer.Context, org: str, name: str) -> None:
    """Delete an inbound change set."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        found = inbound.delete_inbound(uow, clock=s.app.clock, actor=s.actor, org=org, ref=name)
    console.print(f"deleted inbound change set {found.name!r} ({found.id})")


@app.command("validate")
def validate(
    ctx: typer.Context,
    org: str,
    name: str,
    test_level: str = typer.Option("default", "--test-level"),
    tests: str = typer.Option("", "--tests", help="A,B for run_specified_tests"),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Check-only deployment: every check and test runs, nothing changes."""
    _request(ctx, org, name, True, test_level, tests, False, None, wait, json_)


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    org: str,
    name: str,
    test_level: str = typer.Option("default", "--test-level"),
    tests: str = typer.Option("", "--tests", help="A,B for run_specified_tests"),
    allow_overwrite: bool = typer.Option(False, "--allow-overwrite", help="overwrite conflicts"),
    reason: str | None = typer.Option(None, "--reason", help="why conflicts may be overwritten"),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Deploy atomically: all components or none."""
    _request(ctx, org, name, False, test_level, tests, allow_overwrite, reason, wait, json_)


@app.command("preview")
def preview(
    ctx: typer.Context, org: str, name: str, json_: bool = typer.Option(False, "--json")
) -> None:
    """What deploying would change in ORG now, with diffs, without running it."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        found = deployments.preview(uow, org=org, ref=name)
    if json_:
        print_json(
            {
                "org": found.target.name,
                "components": [
                    {**r.to_json(), "files": [f.__dict__ for f in found.diffs.get(r.key, [])]}
                    for r in found.results
                ],
            }
        )
        return
    console.print(result_table(found.results, title=f"Preview of {name} in {found.target.name}"))
    for key, files in found.diffs.items():
        for f in files:
            console.rule(f"{key} {f.path} ({f.status})")
            console.print(f.diff, highlight=False, markup=False)


def _request(
    ctx: typer.Context,
    org: str,
    name: str,
    check_only: bool,
    level: str,
    tests: str,
    allow_overwrite: bool,
    reason: str | None,
    wait: bool,
    as_json: bool,
) -> None:
    s = state(ctx)
    with failures():
        test_level, names = test_options(level, tests)
        with s.app.uow() as uow:
            d = deployments.request_deployment(
                uow,
                clock=s.app.clock,
                actor=s.actor,
                org=org,
                ref=name,
                check_only=check_only,
                test_level=test_level,
                tests=names,
                allow_overwrite=allow_overwrite,
                reason=reason,
            )
    follow_deployment(s, d, wait=wait, as_json=as_json)
