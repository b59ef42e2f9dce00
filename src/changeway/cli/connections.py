"""`changeway connection ...`: deployment connections and inbound authorizations."""

from __future__ import annotations

import typer

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.render import (
    connection_dict,
    connections_table,
    graph_text,
    matrix_dict,
    matrix_table,
)
from changeway.domain.errors import Refused
from changeway.services import connections
from changeway.services.lookup import resolve_org

app = typer.Typer(help="Deployment connections and inbound authorizations.", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Each connected org: does ORG allow inbound from it, does it accept ORG's outbound."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        target = resolve_org(uow, org)
        conns = connections.list_connections(uow, org=org)
    if json_:
        print_json([connection_dict(c) for c in conns])
    else:
        console.print(connections_table(target.name, conns))


@app.command("allow")
def allow(
    ctx: typer.Context,
    target: str,
    source: str = typer.Option(..., "--from", help="the org whose change sets TARGET accepts"),
) -> None:
    """TARGET allows inbound changes from SOURCE (set on the receiving org)."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        connections.allow_inbound(
            uow, clock=s.app.clock, actor=s.actor, target=target, source=source
        )
    console.print(f"{target} now allows inbound changes from {source}")


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    target: str,
    source: str = typer.Option(..., "--from", help="the org TARGET stops accepting from"),
) -> None:
    """TARGET stops allowing inbound changes from SOURCE."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        connections.revoke_inbound(
            uow, clock=s.app.clock, actor=s.actor, target=target, source=source
        )
    console.print(f"{target} no longer allows inbound changes from {source}")


@app.command("matrix")
def matrix(
    ctx: typer.Context, production: str, json_: bool = typer.Option(False, "--json")
) -> None:
    """The family's authorization matrix: which org allows inbound from which."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        paths = connections.family_paths(uow, org=production)
    if json_:
        print_json(matrix_dict(paths))
    else:
        console.print(matrix_table(paths))


@app.command("graph")
def graph(
    ctx: typer.Context,
    production: str,
    fmt: str = typer.Option("text", "--format", help="text|mermaid|dot"),
) -> None:
    """The family's promotion paths as a directed graph."""
    s = state(ctx)
    with failures():
        if fmt not in ("text", "mermaid", "dot"):
            raise Refused(f"unknown graph format {fmt!r}: use text, mermaid or dot")
        with s.app.uow() as uow:
            paths = connections.family_paths(uow, org=production)
    print(graph_text(paths, fmt))
