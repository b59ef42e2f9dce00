"""`changeway user ...`: server users and their permissions per org."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from changeway.cli.context import client, console, failures, print_json, print_table
from changeway.domain.errors import Refused

app = typer.Typer(help="Users and their permissions per org.", no_args_is_help=True)
_JSON = typer.Option(False, "--json", help="print JSON")
_PERMISSIONS = typer.Argument(
    ...,
    help="view_setup, manage_sandboxes, manage_dev_sandboxes, create_upload_change_sets,"
    " deploy_change_sets, modify_metadata, manage_users (or Salesforce's names, quoted)",
)


def read_password() -> str:
    """A password from standard input (its first line)."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise Refused("no password on standard input")
    return line


@app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    admin: bool = typer.Option(False, "--admin", help="a server administrator"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read a password (for the web UI) from standard input"
    ),
    json_: bool = _JSON,
) -> None:
    """Create a user (administrators only)."""
    with failures():
        password = read_password() if password_stdin else None
        user = client(ctx).call("user.create", name=name, admin=admin, password=password)
    if json_:
        print_json(user)
    else:
        role = "administrator" if user["admin"] else "user"
        console.print(f"created {role} {user['name']}")


@app.command("grant")
def grant(ctx: typer.Context, user: str, org: str, permissions: list[str] = _PERMISSIONS) -> None:
    """Grant USER permissions in ORG (needs manage_users there)."""
    with failures():
        result = client(ctx).call("user.grant", user=user, org=org, permissions=permissions)
    console.print(f"{user} now holds in {org}: {_held(result, org)}")


@app.command("revoke")
def revoke(ctx: typer.Context, user: str, org: str, permissions: list[str] = _PERMISSIONS) -> None:
    """Revoke USER's permissions in ORG (needs manage_users there)."""
    with failures():
        result = client(ctx).call("user.revoke", user=user, org=org, permissions=permissions)
    console.print(f"{user} now holds in {org}: {_held(result, org)}")


def _held(result: dict[str, object], org: str) -> str:
    grants = result["permissions"]
    assert isinstance(grants, dict)
    held: list[str] = next(
        (v for k, v in grants.items() if k.split("/")[-1].lower() == org.lower()), []
    )
    return ", ".join(held) or "nothing"


@app.command("list")
def list_(ctx: typer.Context, json_: bool = _JSON) -> None:
    """Users and their permissions per org (administrators see everyone)."""
    with failures():
        users = client(ctx).call("user.list")
    if json_:
        print_json(users)
        return
    table = Table("Name", "Admin", "Password", "Permissions")
    for u in users:
        perms = "; ".join(f"{org}: {', '.join(p)}" for org, p in u["permissions"].items())
        table.add_row(
            u["name"], "yes" if u["admin"] else "", "set" if u["has_password"] else "", perms
        )
    print_table(table)


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    name: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from standard input"
    ),
) -> None:
    """Set a user's password (your own, or anyone's as an administrator)."""
    with failures():
        if not password_stdin:
            raise Refused("give the password on standard input with --password-stdin")
        client(ctx).call("user.set_password", user=name, password=read_password())
    console.print(f"password of {name} set")
