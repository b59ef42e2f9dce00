"""`changeway audit`: the append-only audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from changeway.cli.client import all_pages
from changeway.cli.context import client, console, failures, print_json, print_table
from changeway.cli.render import audit_table
from changeway.domain.errors import Refused


def audit(
    ctx: typer.Context,
    org: str | None = typer.Option(None, "--org", help="only this org's events"),
    user: str | None = typer.Option(None, "--user", help="only what this user did"),
    action: str | None = typer.Option(
        None, "--action", help="only this action, or a group of them (change_set, sandbox, ...)"
    ),
    since: str | None = typer.Option(None, "--since", help="from this time (ISO 8601)"),
    until: str | None = typer.Option(None, "--until", help="before this time (ISO 8601)"),
    json_: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Every change: who, what, which org, when, through which entrypoint, and the details."""
    with failures():
        events = all_pages(
            client(ctx),
            "audit",
            org=org,
            user=user,
            action=action,
            since=_moment(since, "--since"),
            until=_moment(until, "--until"),
        )
    if json_:
        print_json(events)
    else:
        print_table(audit_table(events))
    if not json_ and not events:
        console.print("no audit events match: widen the filters (--org, --user, --action, --since)")


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"{option} takes an ISO 8601 date or time, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
