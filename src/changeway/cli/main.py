"""The `changeway` command line: thin commands over the services."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import click
import typer
from typer.core import TyperGroup

from changeway.cli.context import CliState

#: Command groups: name -> module (under changeway.cli) defining ``app``.
GROUPS = {
    "org": "orgs",
    "sandbox": "sandboxes",
    "connection": "connections",
    "job": "jobs",
    "metadata": "metadata",
    "changeset": "changesets",
    "inbound": "inbound",
    "deployment": "deployments",
    "user": "users",
    "token": "tokens",
    "db": "db",
}
#: Single commands: name -> (module, function).
COMMANDS = {
    "compare": ("compare", "compare"),
    "convert": ("convert", "convert"),
    "worker": ("jobs", "worker"),
    "audit": ("audit", "audit"),
    "demo": ("demo", "demo"),
    "serve": ("serve", "serve"),
    "login": ("login", "login"),
    "logout": ("login", "logout"),
}


class LazyCommands(TyperGroup):
    """Loads a command's module only when it is used, so that `changeway convert` starts
    without the store, the services and the other commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*GROUPS, *COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in GROUPS:
            group = typer.main.get_group(import_module(f"changeway.cli.{GROUPS[cmd_name]}").app)
            group.name = cmd_name
            return group
        if cmd_name in COMMANDS:
            module, function = COMMANDS[cmd_name]
            single = typer.Typer()
            single.command(cmd_name)(getattr(import_module(f"changeway.cli.{module}"), function))
            return typer.main.get_command(single)
        return None


app = typer.Typer(
    name="changeway",
    cls=LazyCommands,
    help="Staging environments and governed change promotion for Salesforce metadata.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="CHANGEWAY_DATA_DIR", help="where the embedded store lives"
    ),
    server: str | None = typer.Option(
        None,
        "--server",
        envvar="CHANGEWAY_SERVER",
        help="a changeway server's URL (token: CHANGEWAY_TOKEN or `changeway login`)",
    ),
    as_user: str | None = typer.Option(
        None,
        "--as",
        help="act as this user, with their permissions (administrators only; recorded in the"
        " audit trail as ADMIN acting as USER)",
        show_default=False,
    ),
) -> None:
    """Global options."""
    ctx.obj = CliState(data_dir=data_dir, as_user=as_user, server=server)
    ctx.call_on_close(ctx.obj.close)


if __name__ == "__main__":
    app()
