"""The `changeway` command line: thin commands over the services."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import click
import typer
from typer.core import TyperGroup

from changeway.cli.state import CliState

#: Command groups: name -> (module under changeway.cli defining ``app``, summary for --help).
GROUPS = {
    "org": ("orgs", "Production orgs and every org's details."),
    "sandbox": ("sandboxes", "Sandboxes: create, clone, refresh, activate, discard, delete."),
    "connection": ("connections", "Deployment connections and inbound authorizations."),
    "job": ("jobs", "Long-running jobs."),
    "metadata": ("metadata", "An org's metadata: import, export, list, show, history."),
    "changeset": ("changesets", "Outbound change sets: build, upload, clone."),
    "inbound": ("inbound", "Inbound change sets: list, show, validate, deploy, preview, delete."),
    "deployment": (
        "deployments",
        "Validations and deployments: history, cancel, quick deploy, rollback.",
    ),
    "user": ("users", "Users and their permissions per org."),
    "token": ("tokens", "API tokens: create (shown once), list, revoke."),
    "db": ("db", "The store's schema."),
}
#: Single commands: name -> (module, function, summary for --help).
COMMANDS = {
    "compare": (
        "compare",
        "compare",
        "Compare two versions (same or different orgs) component by component.",
    ),
    "convert": (
        "convert",
        "convert",
        "Convert metadata between source format and Metadata API format, like `sf project"
        " convert`.",
    ),
    "worker": (
        "jobs",
        "worker",
        "Run jobs as they are queued (administrators; several workers may run side by side).",
    ),
    "audit": (
        "audit",
        "audit",
        "Every change: who, what, which org, when, through which entrypoint, and the details.",
    ),
    "demo": (
        "demo",
        "demo",
        "Build Prod, Dev and Test with the reference promotion paths; print matrix and graph.",
    ),
    "serve": (
        "serve",
        "serve",
        "Serve the REST API (OpenAPI at /openapi.json; /healthz, /readyz, /metrics).",
    ),
    "login": (
        "login",
        "login",
        "Check an API token against the server (--server or CHANGEWAY_SERVER) and keep it.",
    ),
    "logout": ("login", "logout", "Forget the token kept for the server."),
    "version": ("version", "version", "Print changeway's version."),
}


class LazyCommands(TyperGroup):
    """Loads a command's module only when it is used, so that `changeway convert` starts
    without the store, the services and the other commands, and `--help` lists the commands
    from their summaries above without loading any of them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*GROUPS, *COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in GROUPS:
            group = typer.main.get_group(import_module(f"changeway.cli.{GROUPS[cmd_name][0]}").app)
            group.name = cmd_name
            return group
        if cmd_name in COMMANDS:
            module, function, _ = COMMANDS[cmd_name]
            single = typer.Typer()
            single.command(cmd_name)(getattr(import_module(f"changeway.cli.{module}"), function))
            return typer.main.get_command(single)
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        summaries = {name: summary for name, (_, summary) in GROUPS.items()}
        summaries |= {name: summary for name, (_, _, summary) in COMMANDS.items()}
        with formatter.section("Commands"):
            formatter.write_dl(sorted(summaries.items()))


app = typer.Typer(
    name="changeway",
    cls=LazyCommands,
    help="Staging environments and governed change promotion for Salesforce metadata.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help for the command list: Typer's Rich help would load Rich's Markdown and
    # every command module before printing a line.
    rich_markup_mode=None,
)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        envvar="CHANGEWAY_DATA_DIR",
        show_envvar=False,  # named in the help: Typer's "[env var: ...]" loads Rich's help
        help="where the embedded store lives (env: CHANGEWAY_DATA_DIR)",
    ),
    server: str | None = typer.Option(
        None,
        "--server",
        envvar="CHANGEWAY_SERVER",
        show_envvar=False,
        help="a changeway server's URL (env: CHANGEWAY_SERVER; token: CHANGEWAY_TOKEN or"
        " `changeway login`)",
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
