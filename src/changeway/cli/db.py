"""`changeway db upgrade`: bring the store's schema to this changeway's (an explicit step for
servers and PostgreSQL stores; the embedded CLI upgrades its own SQLite file)."""

from __future__ import annotations

import typer

from changeway.cli.context import console, failures, state

app = typer.Typer(help="The store's schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate the store to this changeway's schema (a newer store is refused)."""
    from changeway.bootstrap import upgrade_store

    with failures():
        before, after = upgrade_store(state(ctx).settings)
    if before == after:
        console.print(f"the store's schema is current ({after})")
    else:
        console.print(f"upgraded the store's schema from {before or 'empty'} to {after}")
