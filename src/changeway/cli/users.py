"""`changeway user ...`: server users and their permissions per org."""

from __future__ import annotations

import sys
from pathlib import Path

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


@app.command("jwt-add")
def jwt_add(
    ctx: typer.Context,
    user: str,
    client_id: str = typer.Option(..., "--client-id", help="the connected app's consumer key"),
    certificate: Path = typer.Option(
        ..., "--certificate", help="the PEM certificate or public key CI signs with"
    ),
    json_: bool = _JSON,
) -> None:
    """Let USER's CI log in with `sf org login jwt` through CLIENT_ID (administrators only)."""
    with failures():
        try:
            pem = certificate.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise Refused(f"cannot read {certificate}: not a PEM file ({error})") from None
        key = client(ctx).call("user.jwt_add", user=user, client_id=client_id, certificate=pem)
    if json_:
        print_json(key)
    else:
        console.print(
            f"{key['user']} may log in through client id {key['client_id']}"
            f" (key SHA-256 {key['fingerprint']})",
            highlight=False,
        )


@app.command("jwt-list")
def jwt_list(
    ctx: typer.Context, user: str | None = typer.Argument(None), json_: bool = _JSON
) -> None:
    """Keys registered for JWT logins (yours; administrators see everyone's)."""
    with failures():
        keys = client(ctx).call("user.jwt_list", user=user)
    if json_:
        print_json(keys)
        return
    if not keys:
        console.print("no JWT keys: register one with `changeway user jwt-add USER`")
        return
    table = Table("User", "Client id", "Key SHA-256", "Added")
    for k in keys:
        table.add_row(k["user"], k["client_id"], k["fingerprint"], k["created_at"][:19])
    print_table(table)


@app.command("jwt-remove")
def jwt_remove(
    ctx: typer.Context,
    user: str,
    client_id: str = typer.Option(..., "--client-id", help="the connected app's consumer key"),
) -> None:
    """Stop USER's JWT logins through CLIENT_ID (administrators only)."""
    with failures():
        key = client(ctx).call("user.jwt_remove", user=user, client_id=client_id)
    console.print(f"removed {key['user']}'s key for client id {key['client_id']}", highlight=False)
