"""`changeway org ...`: production orgs and every org's details."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from changeway.cli.client import all_pages
from changeway.cli.context import (
    client,
    console,
    failures,
    print_fields,
    print_json,
    print_table,
    server_address,
    warn_each,
    warn_skipped,
)
from changeway.cli.render import orgs_table
from changeway.domain.errors import Refused
from changeway.domain.salesforce_ids import login_url

app = typer.Typer(help="Production orgs and every org's details.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    from_: Path | None = typer.Option(
        None, "--from", help="initial metadata: SFDX project, package folder, mdapi folder or zip"
    ),
    json_: bool = typer.Option(False, "--json", help="print the org as JSON"),
) -> None:
    """Create a production org, empty or loaded from a Salesforce project (administrators)."""
    with failures():
        org = client(ctx).call(
            "org.create",
            name=name,
            archive=str(from_) if from_ else None,
            origin=from_.name if from_ else "",
        )
    warn_each(org.pop("warnings"))
    skipped = org.pop("skipped")
    if skipped:
        warn_skipped(skipped)
    if json_:
        print_json(org)
    else:
        console.print(f"created production org [bold]{org['name']}[/] ({org['id']})")


@app.command("set")
def set_(
    ctx: typer.Context,
    org: str,
    allow_direct_changes: str = typer.Option(
        ..., "--allow-direct-changes", help="true: imports may change ORG; false: only change sets"
    ),
) -> None:
    """Change an org's settings (administrators)."""
    with failures():
        allowed = _flag(allow_direct_changes, "--allow-direct-changes")
        updated = client(ctx).call("org.set", org=org, allow_direct_changes=allowed)
    verb = "allows" if updated["allow_direct_changes"] else "refuses"
    console.print(f"{updated['name']} now {verb} direct metadata changes")


@app.command("list")
def list_(
    ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """List every org you may see, family by family."""
    with failures():
        found = all_pages(client(ctx), "org.list")
    if json_:
        print_json(found)
    elif not found:
        console.print("no orgs yet: create one with `changeway org create NAME`")
    else:
        print_table(orgs_table(found))


@app.command("show")
def show(
    ctx: typer.Context, org: str, json_: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """Show one org (NAME, PRODUCTION/NAME or id)."""
    with failures():
        data = client(ctx).call("org.show", org=org)
    if json_:
        print_json(data)
        return
    print_fields(data)


def _flag(text: str, option: str) -> bool:
    """``true``/``false`` (also yes/no, 1/0) as users type them."""
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise Refused(f"{option} takes true or false, not {text!r}")


@app.command("connect-info")
def connect_info(
    ctx: typer.Context,
    org: str,
    user: str | None = typer.Option(None, "--user", help="whose session (default: yours)"),
    instance_url: str | None = typer.Option(
        None, "--instance-url", help="the server's address for Salesforce's tools"
    ),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """How to log Salesforce's `sf` CLI in to ORG: the exact `sf org login` command."""
    with failures():
        found = client(ctx).call("org.show", org=org)
        me = user or client(ctx).call("user.me")["name"]
        url = server_address(ctx, instance_url)
        if not url:
            raise Refused(
                "no server address: pass --instance-url, set CHANGEWAY_INSTANCE_URL or"
                " [server] instance_url in config.toml, or run changeway serve"
            )
    ref = found["name"]
    if found["kind"] != "production":
        ref = f"{found['production']}/{ref}"
    token = f"changeway token create {shlex.quote(me)} --org {shlex.quote(ref)} --json"
    read = "import json,sys;print(json.load(sys.stdin)['token'])"
    export = f'export SF_ACCESS_TOKEN="$({token} | python3 -c "{read}")"'
    alias = shlex.quote(found["name"])
    login = f"sf org login access-token --instance-url {url} --no-prompt --alias {alias}"
    jwt_url = login_url(url, ref)
    jwt = (
        f"sf org login jwt --client-id CLIENT_ID --jwt-key-file server.key"
        f" --username {shlex.quote(me)} --instance-url {jwt_url} --alias {alias}"
    )
    if json_:
        print_json(
            {
                "org": found["name"],
                "instance_url": url,
                "token": token,
                "command": login,
                "jwt_login_url": jwt_url,
                "jwt_command": jwt,
            }
        )
        return
    console.print(export, highlight=False, markup=False, soft_wrap=True)
    console.print(login, highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"# in CI, once an administrator ran `changeway user jwt-add`: {jwt}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
