"""`changeway token ...`: API tokens for the CLI against a server, scripts and tools."""

from __future__ import annotations

import typer
from rich.table import Table

from changeway.cli.context import (
    client,
    console,
    failures,
    print_json,
    print_table,
    server_address,
)

app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)
_JSON = typer.Option(False, "--json", help="print JSON")


@app.command("create")
def create(
    ctx: typer.Context,
    user: str,
    org: str | None = typer.Option(None, "--org", help="bind the token to one org"),
    expires: str = typer.Option("90d", "--expires", help="30d, 12h, 45m, or never"),
    note: str = typer.Option("", "--note", help="what the token is for"),
    instance_url: str | None = typer.Option(
        None, "--instance-url", help="the server's address for Salesforce's tools"
    ),
    json_: bool = _JSON,
) -> None:
    """Create a token for USER (yourself, or anyone as an administrator); shown only once.
    A token bound to an org is a session id Salesforce's own tools (sf) log in with."""
    with failures():
        made = client(ctx).call("token.create", user=user, org=org, expires=expires, note=note)
    url = server_address(ctx, instance_url) if org else None
    if json_:
        shown = {"token": made["token"], "user": made["user"], "org": made["org"]}
        print_json({**shown, "instance_url": url} if url else shown)
        return
    console.print(made["token"], highlight=False, markup=False, soft_wrap=True)
    until = made["expires_at"] or "never expires"
    console.print(f"token {made['id']} for {made['user']} ({until}); it is not shown again")


@app.command("list")
def list_(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="another user's (administrators)"),
    json_: bool = _JSON,
) -> None:
    """Tokens (never their secrets): yours, or everyone's for an administrator."""
    with failures():
        tokens = client(ctx).call("token.list", user=user)
    if json_:
        print_json(tokens)
        return
    table = Table("Id", "User", "Org", "Starts with", "Created", "Expires", "Revoked", "Note")
    for t in tokens:
        table.add_row(
            str(t["id"]),
            t["user"],
            t["org"] or "",
            t["prefix"] + "…",
            t["created_at"][:16].replace("T", " "),
            (t["expires_at"] or "never")[:16].replace("T", " "),
            (t["revoked_at"] or "")[:16].replace("T", " "),
            t["note"],
        )
    if tokens:
        print_table(table)
    else:
        console.print("no tokens: create one with `changeway token create USER`")


@app.command("revoke")
def revoke(ctx: typer.Context, token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    with failures():
        client(ctx).call("token.revoke", token_id=token_id)
    console.print(f"token {token_id} revoked")
