"""What every command shares: the client (embedded store or server), the acting user, error
and JSON handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from changeway.cli.state import state
from changeway.domain.errors import ChangewayError

if TYPE_CHECKING:
    from changeway.cli.client import Client

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def client(ctx: typer.Context) -> Client:
    """The client of this invocation (errors opening it are reported like any refusal)."""
    with failures():
        return state(ctx).client


#: Hints the command line adds to refusals, by the rule a refusal names.
HINTS = {
    "direct_changes": "changeway org set {org} --allow-direct-changes true",
    "overwrite_reason": "--allow-overwrite --reason TEXT",
    "replace_with_nothing": "--allow-empty, if emptying the org is what you want",
}


@contextmanager
def failures() -> Iterator[None]:
    """Turn a refusal into a message on stderr and exit code 1 (nothing was changed)."""
    try:
        yield
    except ChangewayError as error:
        err_console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        hint = HINTS.get(str(error.details.get("rule", "")))
        if hint:
            err_console.print(f"hint: {escape(hint.format(**error.details))}", highlight=False)
        raise typer.Exit(1) from None


def print_json(data: Any) -> None:
    """Machine-readable output for scripts (plain JSON, no colours)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def warn_each(warnings: list[str]) -> None:
    """Print each warning of an intake (files of unknown types, roots naming a sibling type)."""
    for warning in warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


def warn_skipped(skipped: list[str]) -> None:
    """Say which input files were not imported because they belong to no component."""
    shown = ", ".join(skipped[:10])
    more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    err_console.print(
        f"[yellow]warning:[/] {len(skipped)} file(s) belong to no metadata component"
        f" and were not imported: {escape(shown)}{more}",
        highlight=False,
    )
