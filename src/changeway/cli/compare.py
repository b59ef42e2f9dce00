"""`changeway compare A B`: what differs between two org versions."""

from __future__ import annotations

import typer
from rich.syntax import Syntax
from rich.table import Table

from changeway.cli.context import console, failures, print_json, state
from changeway.services.compare import compare as compare_versions


def compare(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="ORG or ORG@VERSION"),
    b: str = typer.Argument(..., help="ORG or ORG@VERSION"),
    diff: bool = typer.Option(False, "--diff", help="show a text diff of each changed file"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Compare two versions (same or different orgs) component by component."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        result = compare_versions(uow, a=a, b=b, with_diffs=diff)
    label_a = f"{result.a.org.name}@{result.a.version.number}"
    label_b = f"{result.b.org.name}@{result.b.version.number}"
    if json_:
        data = {
            "a": label_a,
            "b": label_b,
            "added": [{"type": k.type, "name": k.name} for k in result.added],
            "changed": [
                {
                    "type": k.type,
                    "name": k.name,
                    **(
                        {
                            "files": [
                                {"path": f.path, "status": f.status, "diff": f.diff}
                                for f in result.diffs[k]
                            ]
                        }
                        if diff
                        else {}
                    ),
                }
                for k in result.changed
            ],
            "deleted": [{"type": k.type, "name": k.name} for k in result.deleted],
            "identical": result.identical,
        }
        print_json(data)
        return
    table = Table("Change", "Type", "Name", title=f"{label_a} → {label_b}")
    for label, keys in (
        ("added", result.added),
        ("changed", result.changed),
        ("deleted", result.deleted),
    ):
        for k in keys:
            table.add_row(label, k.type, k.name)
    console.print(table)
    console.print(
        f"{len(result.added)} added, {len(result.changed)} changed, {len(result.deleted)} deleted,"
        f" {result.identical} identical"
    )
    for key, files in result.diffs.items():
        for f in files:
            console.rule(f"{key} {f.path} ({f.status})")
            console.print(Syntax(f.diff, "diff", theme="ansi_dark", word_wrap=True))
