"""`changeway sandbox ...`: create, clone, refresh, activate, discard, delete."""

from __future__ import annotations

from typing import Any

import typer

from changeway.cli.context import client, console, failures, print_json
from changeway.cli.progress import follow

app = typer.Typer(
    help="Sandboxes: create, clone, refresh, activate, discard, delete.", no_args_is_help=True
)

_KINDS = "developer|developer_pro|partial|full"
_WAIT = typer.Option(True, "--wait/--no-wait", help="follow the job to its end")
_JSON = typer.Option(False, "--json", help="print JSON")


@app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    from_: str = typer.Option(..., "--from", help="production org, or a sandbox to clone"),
    kind: str = typer.Option(..., "--type", help=_KINDS),
    wait: bool = _WAIT,
    json_: bool = _JSON,
) -> None:
    """Create a sandbox from a production org, or clone a sandbox of the same family."""
    with failures():
        job = client(ctx).call("sandbox.create", name=name, source=from_, kind=kind)
    _finish(ctx, job, wait=wait, as_json=json_, label=f"create {name}")


@app.command("refresh")
def refresh(ctx: typer.Context, name: str, wait: bool = _WAIT, json_: bool = _JSON) -> None:
    """Refresh a sandbox: a new copy that waits for `activate` or `discard`."""
    with failures():
        job = client(ctx).call("sandbox.refresh", org=name)
    _finish(ctx, job, wait=wait, as_json=json_, label=f"refresh {name}")


@app.command("activate")
def activate(ctx: typer.Context, name: str, json_: bool = _JSON) -> None:
    """Replace a sandbox by its refreshed copy (new id; authorizations must be granted again)."""
    with failures():
        org = client(ctx).call("sandbox.activate", org=name)
    _show(org, json_, f"activated {org['name']}: new id {org['id']}")


@app.command("discard")
def discard(ctx: typer.Context, name: str, json_: bool = _JSON) -> None:
    """Throw away a refreshed copy and keep the sandbox as it is."""
    with failures():
        org = client(ctx).call("sandbox.discard", org=name)
    _show(org, json_, f"discarded the refresh of {org['name']}")


@app.command("delete")
def delete(ctx: typer.Context, name: str, wait: bool = _WAIT, json_: bool = _JSON) -> None:
    """Delete a sandbox; its connections and authorizations go at once."""
    with failures():
        job = client(ctx).call("sandbox.delete", org=name)
    _finish(ctx, job, wait=wait, as_json=json_, label=f"delete {name}")


def _finish(
    ctx: typer.Context, job: dict[str, Any], *, wait: bool, as_json: bool, label: str
) -> None:
    done = follow(client(ctx), job, wait=wait, as_json=as_json, label=label)
    if done["status"] in ("failed", "canceled"):
        raise typer.Exit(1)


def _show(org: dict[str, Any], as_json: bool, message: str) -> None:
    if as_json:
        print_json(org)
    else:
        console.print(message)
