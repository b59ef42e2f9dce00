"""`changeway metadata ...`: an org's components, their history, import and export."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from changeway.cli.context import console, failures, print_json, state, warn_skipped
from changeway.cli.render import component_entry_dict, usage_dict, version_dict
from changeway.domain.components import ComponentKey
from changeway.services import dependencies, metadata

app = typer.Typer(
    help="An org's metadata: import, export, list, show, history.", no_args_is_help=True
)


@app.command("import")
def import_(
    ctx: typer.Context,
    org: str,
    path: Path,
    replace: bool = typer.Option(False, "--replace", help="make the org exactly PATH"),
    message: str | None = typer.Option(None, "--message", "-m", help="why (kept in history)"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Load an SFDX project, package folder, Metadata API folder or zip into ORG."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        result = metadata.import_metadata(
            uow,
            clock=s.app.clock,
            actor=s.actor,
            org=org,
            path=path,
            replace_all=replace,
            message=message,
        )
    summary = {
        "org": result.org.name,
        "version": result.version.number if result.version else None,
        "added": [_key(k) for k in result.added],
        "changed": [_key(k) for k in result.changed],
        "deleted": [_key(k) for k in result.deleted],
        "skipped": result.skipped,
    }
    if result.skipped and not json_:
        warn_skipped(result.skipped)
    if json_:
        print_json(summary)
    elif result.version is None:
        console.print(f"{result.org.name}: nothing changed")
    else:
        console.print(
            f"{result.org.name} is now at version {result.version.number}: {len(result.added)}"
            f" added, {len(result.changed)} changed, {len(result.deleted)} deleted"
        )


@app.command("export")
def export(
    ctx: typer.Context,
    org: str,
    out: Path,
    fmt: str = typer.Option(..., "--format", help="source|mdapi"),
    zip_: bool = typer.Option(False, "--zip", help="a zip file (mdapi only)"),
    manifest: Path | None = typer.Option(
        None, "--manifest", help="only what this package.xml names"
    ),
) -> None:
    """Write ORG[@VERSION] in source or Metadata API format."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        result = metadata.export_metadata(
            uow, org=org, out=out, fmt=fmt, zip_output=zip_, manifest=manifest
        )
    console.print(
        f"wrote {result.components} components of {result.org.name}@{result.version.number}"
        f" to {result.out}"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    org: str,
    type_: str | None = typer.Option(None, "--type"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """The components of ORG[@VERSION]."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        entries = metadata.list_components(uow, org=org, type_=type_)
    if json_:
        print_json([component_entry_dict(e) for e in entries])
        return
    table = Table("Type", "Name", "Files", "Bytes")
    for e in entries:
        table.add_row(e.key.type, e.key.name, str(len(e.files)), str(sum(f.size for f in e.files)))
    console.print(table)


@app.command("show")
def show(
    ctx: typer.Context, org: str, type_: str, name: str, json_: bool = typer.Option(False, "--json")
) -> None:
    """One component of ORG[@VERSION] with its files."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        component = metadata.show_component(uow, org=org, key=ComponentKey(type_, name))
    if json_:
        print_json(
            {
                "type": component.type,
                "name": component.name,
                "files": [
                    {"path": p, "size": len(d), "content": d.decode("utf-8", "replace")}
                    for p, d in sorted(component.files.items())
                ],
            }
        )
        return
    for path, data in sorted(component.files.items()):
        console.rule(path)
        console.print(data.decode("utf-8", "replace"), highlight=False, markup=False)


@app.command("history")
def history(ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Every version of ORG: number, kind, author, reason, time, size."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        versions = metadata.history(uow, org=org)
    if json_:
        print_json([version_dict(v) for v in versions])
        return
    table = Table("Version", "Kind", "When", "Author", "Reason", "Components")
    for v in versions:
        table.add_row(
            str(v.number),
            v.kind.value,
            v.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            v.author,
            v.reason,
            str(v.components),
        )
    console.print(table)


def _key(key: ComponentKey) -> dict[str, str]:
    return {"type": key.type, "name": key.name}


@app.command("where-used")
def where_used(
    ctx: typer.Context, org: str, type_: str, name: str, json_: bool = typer.Option(False, "--json")
) -> None:
    """Which components of ORG[@VERSION] reference TYPE NAME, with file and line."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        refs = dependencies.where_used(uow, org=org, key=ComponentKey(type_, name))
    if json_:
        print_json([usage_dict(r) for r in refs])
        return
    table = Table("Used by", "Where", "Why", title=f"Where {type_}:{name} is used")
    for r in refs:
        table.add_row(str(r.source), f"{r.path}:{r.line}" if r.line else r.path, r.reason)
    console.print(table if refs else f"{type_}:{name} is not used by anything in {org}")
