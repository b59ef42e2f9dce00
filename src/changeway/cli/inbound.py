"""`changeway inbound ...`: change sets uploaded to an org; validate, deploy, preview."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from changeway.cli.client import all_pages
from changeway.cli.context import client, console, failures, print_json, print_table
from changeway.cli.deploying import TEST_LEVEL, TESTS, follow_deployment, test_names
from changeway.cli.render import items_table, result_table

app = typer.Typer(
    help="Inbound change sets: list, show, validate, deploy, preview, delete.", no_args_is_help=True
)
_JSON = typer.Option(False, "--json", help="print JSON")
_WAIT = typer.Option(True, "--wait/--no-wait", help="follow the deployment to its end")


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = _JSON) -> None:
    """Change sets uploaded to ORG, awaiting deployment or deployed."""
    with failures():
        found = all_pages(client(ctx), "inbound.list", org=org)
    if json_:
        print_json(found)
        return
    if not found:
        console.print(
            f"nothing was uploaded to {org} yet: upload a change set with"
            f" `changeway changeset upload SOURCE NAME --to {org}`"
        )
        return
    table = Table("Id", "Name", "Source", "Uploaded by", "Uploaded", "Status", "Items")
    for i in found:
        table.add_row(
            str(i["id"]),
            i["name"],
            i["source"],
            i["uploaded_by"],
            i["uploaded_at"][:16].replace("T", " "),
            i["status"],
            str(len(i["components"])),
        )
    print_table(table)


@app.command("show")
def show(ctx: typer.Context, org: str, name: str, json_: bool = _JSON) -> None:
    """An inbound change set: source, uploader, time, components."""
    with failures():
        found = client(ctx).call("inbound.show", org=org, ref=name)
    if json_:
        print_json(found)
        return
    when = found["uploaded_at"][:16].replace("T", " ")
    console.print(
        f"[bold]{escape(found['name'])}[/] from {found['source']}, uploaded by"
        f" {found['uploaded_by']} at {when} — {found['status']}"
    )
    print_table(items_table(found["components"]))


@app.command("delete")
def delete(ctx: typer.Context, org: str, name: str) -> None:
    """Delete an inbound change set."""
    with failures():
        found = client(ctx).call("inbound.delete", org=org, ref=name)
    console.print(f"deleted inbound change set {found['name']!r} ({found['id']})")


@app.command("validate")
def validate(
    ctx: typer.Context,
    org: str,
    name: str,
    test_level: str = TEST_LEVEL,
    tests: list[str] = TESTS,
    wait: bool = _WAIT,
    json_: bool = _JSON,
) -> None:
    """Check-only deployment: every check and test runs, nothing changes."""
    with failures():
        d = client(ctx).call(
            "inbound.validate", org=org, ref=name, test_level=test_level, tests=test_names(tests)
        )
    follow_deployment(ctx, d, wait=wait, as_json=json_)


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    org: str,
    name: str,
    test_level: str = TEST_LEVEL,
    tests: list[str] = TESTS,
    allow_overwrite: bool = typer.Option(False, "--allow-overwrite", help="overwrite conflicts"),
    reason: str | None = typer.Option(None, "--reason", help="why conflicts may be overwritten"),
    wait: bool = _WAIT,
    json_: bool = _JSON,
) -> None:
    """Deploy atomically: all components or none."""
    with failures():
        d = client(ctx).call(
            "inbound.deploy",
            org=org,
            ref=name,
            test_level=test_level,
            tests=test_names(tests),
            allow_overwrite=allow_overwrite,
            reason=reason,
        )
    follow_deployment(ctx, d, wait=wait, as_json=json_)


@app.command("preview")
def preview(ctx: typer.Context, org: str, name: str, json_: bool = _JSON) -> None:
    """What deploying would change in ORG now, with diffs, without running it."""
    with failures():
        found = client(ctx).call("inbound.preview", org=org, ref=name)
    if json_:
        print_json(found)
        return
    print_table(result_table(found["components"], title=f"Preview of {name} in {found['org']}"))
    for r in found["components"]:
        for f in r["files"]:
            console.rule(escape(f"{r['type']}:{r['name']} {f['path']} ({f['status']})"))
            console.print(f["diff"], highlight=False, markup=False)
