"""`changeway changeset ...`: outbound change sets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from changeway.cli.client import all_pages
from changeway.cli.context import client, console, failures, print_json, print_table
from changeway.cli.render import items_table

app = typer.Typer(help="Outbound change sets: build, upload, clone.", no_args_is_help=True)
_JSON = typer.Option(False, "--json", help="print JSON")


@app.command("create")
def create(
    ctx: typer.Context,
    org: str,
    name: str,
    description: str = typer.Option("", "--description", help="what the change set is for"),
    json_: bool = _JSON,
) -> None:
    """Create an open change set in ORG."""
    with failures():
        cs = client(ctx).call("changeset.create", org=org, name=name, description=description)
    if json_:
        print_json(cs)
    else:
        console.print(f"created change set {cs['name']!r} in {org}")


@app.command("add")
def add(
    ctx: typer.Context,
    org: str,
    name: str,
    components: list[str] = typer.Argument(None, help="TYPE:NAME, TYPE:* or TYPE:Prefix*"),
    manifest: Path | None = typer.Option(None, "--manifest", help="add what a package.xml names"),
    delete: list[str] = typer.Option([], "--delete", help="TYPE:NAME to delete in the target"),
    post: bool = typer.Option(False, "--post", help="delete after the other changes"),
    json_: bool = _JSON,
) -> None:
    """Add components or deletions to an open change set."""
    with failures():
        members = None
        if manifest is not None:
            from changeway.adapters.formats import parse_manifest

            members = [f"{t}:{m}" for t, m in parse_manifest(manifest)]
        cs = client(ctx).call(
            "changeset.add",
            org=org,
            name=name,
            components=components or [],
            members=members,
            deletions=delete,
            post=post,
        )
    if json_:
        print_json(cs)
    else:
        console.print(f"change set {cs['name']!r} now holds {len(cs['components'])} item(s)")


@app.command("remove")
def remove(ctx: typer.Context, org: str, name: str, components: list[str]) -> None:
    """Take components or deletions out of an open change set."""
    with failures():
        cs = client(ctx).call("changeset.remove", org=org, name=name, components=components)
    console.print(f"change set {cs['name']!r} now holds {len(cs['components'])} item(s)")


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = _JSON) -> None:
    """ORG's outbound change sets."""
    with failures():
        sets = all_pages(client(ctx), "changeset.list", org=org)
    if json_:
        print_json(sets)
        return
    if not sets:
        console.print(f"{org} has no change sets: create one with `changeway changeset create`")
        return
    table = Table("Name", "Status", "Items", "Created by", "Description")
    for cs in sets:
        table.add_row(
            cs["name"],
            cs["status"],
            str(len(cs["components"])),
            cs["created_by"],
            cs["description"],
        )
    print_table(table)


@app.command("show")
def show(ctx: typer.Context, org: str, name: str, json_: bool = _JSON) -> None:
    """One change set with its components."""
    with failures():
        cs = client(ctx).call("changeset.show", org=org, name=name)
    if json_:
        print_json(cs)
        return
    console.print(f"[bold]{cs['name']}[/] ({cs['status']}) {cs['description']}")
    if cs["components"]:
        print_table(items_table(cs["components"]))
    else:
        console.print(f"it is empty: add components with `changeway changeset add {org} {name}`")


@app.command("upload")
def upload(
    ctx: typer.Context,
    org: str,
    name: str,
    to: str = typer.Option(..., "--to", help="the org to upload to"),
    json_: bool = _JSON,
) -> None:
    """Upload to an org that allows inbound changes from ORG (closes the change set)."""
    with failures():
        inbound = client(ctx).call("changeset.upload", org=org, name=name, to=to)
    if json_:
        print_json(inbound)
    else:
        console.print(f"uploaded {name!r} from {org} to {to} (inbound id {inbound['id']})")


@app.command("clone")
def clone(ctx: typer.Context, org: str, name: str, new_name: str) -> None:
    """An open copy of a change set (components take their current content)."""
    with failures():
        cs = client(ctx).call("changeset.clone", org=org, name=name, new_name=new_name)
    console.print(f"cloned {name!r} into open change set {cs['name']!r}")


@app.command("deps")
def deps(
    ctx: typer.Context,
    org: str,
    name: str,
    target: str | None = typer.Option(None, "--target", help="leave out what this org has"),
    add: bool = typer.Option(False, "--add", help="add what the source can supply"),
    json_: bool = _JSON,
) -> None:
    """Dependencies the change set's components need that it (and the target) lacks."""
    with failures():
        found = client(ctx).call(
            "changeset.add_deps" if add else "changeset.deps", org=org, name=name, target=target
        )
    if json_:
        print_json(found)
        return
    verb = "added" if add else "needed"
    table = Table(
        "Type", "Name", "Needed by", "Where", "Why", "In source", title=f"Dependencies {verb}"
    )
    for n in found:
        by = n["referenced_by"]
        where = f"{n['file']}:{n['line']}" if n["line"] else n["file"]
        table.add_row(
            n["type"],
            n["name"],
            f"{by['type']}:{by['name']}",
            where,
            n["reason"],
            "yes" if n["in_source"] else "[red]no[/]",
        )
    if found:
        print_table(table)
    else:
        console.print(f"{name}: nothing {verb}")
