"""`changeway changeset ...`: outbound change sets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.render import change_set_dict, inbound_dict, items_table, needed_dict
from changeway.services import changesets, dependencies

app = typer.Typer(help="Outbound change sets: build, upload, clone.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    org: str,
    name: str,
    description: str = typer.Option("", "--description"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Create an open change set in ORG."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        cs = changesets.create_change_set(
            uow, clock=s.app.clock, actor=s.actor, org=org, name=name, description=description
        )
    if json_:
        print_json(change_set_dict(cs))
    else:
        console.print(f"created change set {cs.name!r} in {org}")


@app.command("add")
def add(
    ctx: typer.Context,
    org: str,
    name: str,
    components: list[str] = typer.Argument(None, help="TYPE:NAME, TYPE:* or TYPE:Prefix*"),
    manifest: Path | None = typer.Option(None, "--manifest", help="add what a package.xml names"),
    delete: list[str] = typer.Option([], "--delete", help="TYPE:NAME to delete in the target"),
    post: bool = typer.Option(False, "--post", help="delete after the other changes"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Add components or deletions to an open change set."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        cs = changesets.add_components(
            uow,
            clock=s.app.clock,
            actor=s.actor,
            org=org,
            name=name,
            components=components or [],
            manifest=manifest,
            deletions=delete,
            post=post,
        )
    if json_:
        print_json(change_set_dict(cs))
    else:
        console.print(f"change set {cs.name!r} now holds {len(cs.items)} item(s)")


@app.command("remove")
def remove(ctx: typer.Context, org: str, name: str, components: list[str]) -> None:
    """Take components or deletions out of an open change set."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        cs = changesets.remove_components(
            uow, clock=s.app.clock, actor=s.actor, org=org, name=name, components=components
        )
    console.print(f"change set {cs.name!r} now holds {len(cs.items)} item(s)")


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json")) -> None:
    """ORG's outbound change sets."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        sets = changesets.list_change_sets(uow, org=org)
    if json_:
        print_json([change_set_dict(cs) for cs in sets])
        return
    table = Table("Name", "Status", "Items", "Created by", "Description")
    for cs in sets:
        table.add_row(cs.name, cs.status.value, str(len(cs.items)), cs.created_by, cs.description)
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context, org: str, name: str, json_: bool = typer.Option(False, "--json")
) -> None:
    """One change set with its components."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        cs = changesets.get_change_set(uow, org=org, name=name)
    if json_:
        print_json(change_set_dict(cs))
        return
    console.print(f"[bold]{cs.name}[/] ({cs.status.value}) {cs.description}")
    console.print(items_table(cs.items))


@app.command("upload")
def upload(
    ctx: typer.Context,
    org: str,
    name: str,
    to: str = typer.Option(..., "--to", help="the org to upload to"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Upload to an org that allows inbound changes from ORG (closes the change set)."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        inbound = changesets.upload_change_set(
            uow,
            clock=s.app.clock,
            actor=s.actor,
            org=org,
            name=name,
            target=to,
            limits=s.app.settings.change_set_limits,
        )
    if json_:
        print_json(inbound_dict(inbound, source=org, target=to))
    else:
        console.print(f"uploaded {name!r} from {org} to {to} (inbound id {inbound.id})")


@app.command("clone")
def clone(ctx: typer.Context, org: str, name: str, new_name: str) -> None:
    """An open copy of a change set (components take their current content)."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        cs = changesets.clone_change_set(
            uow, clock=s.app.clock, actor=s.actor, org=org, name=name, new_name=new_name
        )
    console.print(f"cloned {name!r} into open change set {cs.name!r}")


@app.command("deps")
def deps(
    ctx: typer.Context,
    org: str,
    name: str,
    target: str | None = typer.Option(None, "--target", help="leave out what this org has"),
    add: bool = typer.Option(False, "--add", help="add what the source can supply"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Dependencies the change set's components need that it (and the target) lacks."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        if add:
            found = dependencies.add_needed(
                uow, clock=s.app.clock, actor=s.actor, org=org, name=name, target=target
            )
        else:
            found = dependencies.change_set_needs(uow, org=org, name=name, target=target)
    if json_:
        print_json([needed_dict(n) for n in found])
        return
    verb = "added" if add else "needed"
    table = Table(
        "Type", "Name", "Needed by", "Where", "Why", "In source", title=f"Dependencies {verb}"
    )
    for n in found:
        r = n.reference
        where = f"{r.path}:{r.line}" if r.line else r.path
        table.add_row(
            n.key.type,
            n.key.name,
            str(r.source),
            where,
            r.reason,
            "yes" if n.in_source else "[red]no[/]",
        )
    console.print(table if found else f"{name}: nothing {verb}")
