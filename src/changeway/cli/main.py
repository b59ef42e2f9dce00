"""The `changeway` command line: thin commands over the services."""

from __future__ import annotations

from pathlib import Path

import typer

from changeway.cli import (
    audit,
    changesets,
    compare,
    connections,
    convert,
    demo,
    deployments,
    inbound,
    jobs,
    metadata,
    orgs,
    sandboxes,
)
from changeway.cli.context import CliState, default_actor

app = typer.Typer(
    name="changeway",
    help="Staging environments and governed change promotion for Salesforce metadata.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(orgs.app, name="org")
app.add_typer(sandboxes.app, name="sandbox")
app.add_typer(connections.app, name="connection")
app.add_typer(jobs.app, name="job")
app.add_typer(metadata.app, name="metadata")
app.add_typer(changesets.app, name="changeset")
app.add_typer(inbound.app, name="inbound")
app.add_typer(deployments.app, name="deployment")
app.command("compare")(compare.compare)
app.command("convert")(convert.convert)
app.command("worker")(jobs.worker)
app.command("audit")(audit.audit)
app.command("demo")(demo.demo)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="CHANGEWAY_DATA_DIR", help="where the embedded store lives"
    ),
    actor: str = typer.Option(
        default_actor, "--as", help="who acts (recorded in the audit trail)", show_default=False
    ),
) -> None:
    """Global options."""
    ctx.obj = CliState(data_dir=data_dir, actor=actor)
    ctx.call_on_close(ctx.obj.close)


if __name__ == "__main__":
    app()
