"""`changeway audit`: the append-only audit trail."""

from __future__ import annotations

import typer

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.render import audit_dict, audit_table
from changeway.services.audit import list_audit


def audit(
    ctx: typer.Context,
    org: str | None = typer.Option(None, "--org", help="only this org's events"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Every change: who, what, which org, when, and the details."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        events = list_audit(uow, org=org)
    if json_:
        print_json([audit_dict(e) for e in events])
    else:
        console.print(audit_table(events))
