"""`changeway login` and `logout`: keep a server's API token in the user's config folder."""

from __future__ import annotations

import sys

import typer

from changeway.cli.context import console, failures, state
from changeway.domain.errors import Refused


def login(
    ctx: typer.Context,
    token_stdin: bool = typer.Option(
        False, "--token-stdin", help="read the token from standard input instead of a prompt"
    ),
) -> None:
    """Check an API token against the server (--server or CHANGEWAY_SERVER) and keep it."""
    from changeway.cli.remote import RemoteClient, save_token

    s = state(ctx)
    with failures():
        if not s.server:
            raise Refused("name the server with --server URL or CHANGEWAY_SERVER")
        token = (
            sys.stdin.readline().strip() if token_stdin else typer.prompt("token", hide_input=True)
        )
        me = RemoteClient(s.server, token).call("user.me")
        path = save_token(s.server, token)
    console.print(f"logged in to {s.server} as {me['name']} (token kept in {path})")


def logout(ctx: typer.Context) -> None:
    """Forget the token kept for the server."""
    from changeway.cli.remote import forget_token

    s = state(ctx)
    with failures():
        if not s.server:
            raise Refused("name the server with --server URL or CHANGEWAY_SERVER")
        forget_token(s.server)
    console.print(f"logged out of {s.server}")
