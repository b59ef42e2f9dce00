"""`changeway compare A B`: what differs between two org versions."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from changeway.cli.context import client, console, failures, print_json, print_table


def compare(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="ORG or ORG@VERSION"),
    b: str = typer.Argument(..., help="ORG or ORG@VERSION"),
    diff: bool = typer.Option(False, "--diff", help="show a text diff of each changed file"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Compare two versions (same or different orgs) component by component."""
    with failures():
        result = client(ctx).call("compare", a=a, b=b, diff=diff)
    if json_:
        print_json(result)
        return
    table = Table("Change", "Type", "Name", title=f"{result['a']} → {result['b']}")
    for label in ("added", "changed", "deleted"):
        for k in result[label]:
            table.add_row(label, k["type"], k["name"])
    print_table(table)
    console.print(
        f"{len(result['added'])} added, {len(result['changed'])} changed,"
        f" {len(result['deleted'])} deleted, {result['identical']} identical"
    )
    for k in result["changed"]:
        for f in k.get("files", []):
            console.rule(escape(f"{k['type']}:{k['name']} {f['path']} ({f['status']})"))
            console.print(Syntax(f["diff"], "diff", theme="ansi_dark", word_wrap=True))
