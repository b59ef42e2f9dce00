"""`changeway db upgrade`: bring the store's schema to this changeway's (an explicit step for
servers and PostgreSQL stores; the embedded CLI upgrades its own SQLite file). `changeway db
gc`: delete stored contents nothing references any more."""

from __future__ import annotations

import typer

from changeway.cli.client import EmbeddedClient
from changeway.cli.context import client, console, failures, print_json, state
from changeway.domain.errors import Refused

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


@app.command("gc")
def gc(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="count what would go, delete nothing"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Delete blobs and tree nodes that no version, change set or deployment reaches
    (administrators; safe while servers and workers run)."""
    from dataclasses import asdict

    from changeway.services.garbage import collect_garbage

    with failures():
        embedded = client(ctx)
        if not isinstance(embedded, EmbeddedClient):
            raise Refused("db gc runs next to the store, not against a server")
        found = collect_garbage(embedded.app, actor=embedded.actor, dry_run=dry_run)
    if json_:
        print_json(asdict(found))
        return
    verb = "would delete" if dry_run else "deleted"
    console.print(
        f"{verb} {found.nodes} tree node(s) and {found.blobs} blob(s), {found.bytes} bytes;"
        f" kept {found.kept_nodes} node(s) and {found.kept_blobs} blob(s)"
    )
