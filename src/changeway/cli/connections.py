"""`changeway connection ...`: deployment connections and inbound authorizations."""

from __future__ import annotations

import typer

from changeway.cli.context import client, console, failures, print_json, print_table
from changeway.cli.render import connections_table, graph_text, matrix_table
from changeway.domain.errors import Refused

app = typer.Typer(help="Deployment connections and inbound authorizations.", no_args_is_help=True)
_JSON = typer.Option(False, "--json", help="print JSON")


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = _JSON) -> None:
    """Each connected org: does ORG allow inbound from it, does it accept ORG's outbound."""
    with failures():
        shown = client(ctx).call("org.show", org=org)
        conns = client(ctx).call("connection.list", org=org)
    if json_:
        print_json(conns)
    else:
        print_table(connections_table(shown["name"], conns))


@app.command("allow")
def allow(
    ctx: typer.Context,
    target: str,
    source: str = typer.Option(..., "--from", help="the org whose change sets TARGET accepts"),
) -> None:
    """TARGET allows inbound changes from SOURCE (set on the receiving org)."""
    with failures():
        client(ctx).call("connection.allow", org=target, source=source)
    console.print(f"{target} now allows inbound changes from {source}")


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    target: str,
    source: str = typer.Option(..., "--from", help="the org TARGET stops accepting from"),
) -> None:
    """TARGET stops allowing inbound changes from SOURCE."""
    with failures():
        client(ctx).call("connection.revoke", org=target, source=source)
    console.print(f"{target} no longer allows inbound changes from {source}")


@app.command("matrix")
def matrix(ctx: typer.Context, production: str, json_: bool = _JSON) -> None:
    """The family's authorization matrix: which org allows inbound from which."""
    with failures():
        paths = client(ctx).call("connection.paths", org=production)
    if json_:
        print_json({"orgs": paths["orgs"], "allows_inbound": paths["allows_inbound"]})
    else:
        print_table(matrix_table(paths))


@app.command("graph")
def graph(
    ctx: typer.Context,
    production: str,
    fmt: str = typer.Option("text", "--format", help="text|mermaid|dot"),
) -> None:
    """The family's promotion paths as a directed graph."""
    with failures():
        if fmt not in ("text", "mermaid", "dot"):
            raise Refused(f"unknown graph format {fmt!r}: use text, mermaid or dot")
        paths = client(ctx).call("connection.paths", org=production)
    print(graph_text(paths, fmt))
