"""What every command shares: the client (embedded store or server), the acting user, error
and JSON handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from changeway.cli.render import readable
from changeway.cli.state import state
from changeway.domain.errors import ChangewayError

if TYPE_CHECKING:
    from changeway.cli.client import Client

# Off a terminal (a pipe, a file) lines are never wrapped, so that grep sees whole lines.
console = Console(soft_wrap=not sys.stdout.isatty())
err_console = Console(stderr=True, soft_wrap=True)
#: The width tables are laid out in off a terminal: wide enough never to wrap a row.
UNWRAPPED = 1_000_000


def server_address(ctx: typer.Context, given: str | None = None) -> str | None:
    """Where Salesforce's tools reach the server: ``given``, the configured instance URL or
    the running server's address, or the server this CLI talks to."""
    s = state(ctx)
    found = given or (s.server if s.server else s.settings.instance_url)
    return found.rstrip("/") if found else None


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


def print_table(table: Table) -> None:
    """Print ``table`` without cutting any cell short with "…": on a terminal long cells
    wrap; off a terminal every row is printed whole, on one line."""
    for column in table.columns:
        column.overflow = "fold"
    if console.is_terminal:
        console.print(table)
    else:
        Console(file=console.file, width=UNWRAPPED, no_color=console.no_color).print(table)


def print_fields(data: dict[str, Any], indent: int = 0) -> None:
    """A record as ``key: value`` lines, nested records indented, lists comma-separated."""
    pad = " " * indent
    for key, value in data.items():
        if isinstance(value, dict) and value:
            console.print(f"{pad}[bold]{key}[/]:", highlight=False)
            print_fields(value, indent + 2)
        else:
            console.print(f"{pad}[bold]{key}[/]: {escape(readable(value))}", highlight=False)


def print_json(data: Any) -> None:
    """Machine-readable output for scripts (plain JSON, no colours)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def print_json_list(pages: Iterable[list[Any]]) -> None:
    """A JSON array printed a page at a time as the pages come: the bytes ``print_json``
    prints for the whole list, without holding it (long listings)."""
    write = sys.stdout.write
    opened = False
    for page in pages:
        if page:
            write(",\n  " if opened else "[\n  ")
            write(",\n  ".join([_indented(item, "  ") for item in page]))
            opened = True
    write("\n]\n" if opened else "[]\n")


_string = json.encoder.encode_basestring_ascii


def _indented(value: Any, pad: str) -> str:
    """``value`` as ``json.dumps(value, indent=2, default=str)`` writes it at indentation
    ``pad``: strings, whole numbers, lists and string-keyed objects in a fast path (the
    standard encoder is pure Python once it indents), anything else through it."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    inner = pad + "  "
    if kind is dict and value and all(type(k) is str for k in value):
        body = (",\n" + inner).join(
            [
                _string(k)
                + ": "
                + (
                    _string(v)
                    if type(v) is str
                    else int.__repr__(v)
                    if type(v) is int
                    else _indented(v, inner)
                )
                for k, v in value.items()
            ]
        )
        return "{\n" + inner + body + "\n" + pad + "}"
    if kind is list and value:
        body = (",\n" + inner).join([_indented(v, inner) for v in value])
        return "[\n" + inner + body + "\n" + pad + "]"
    return json.dumps(value, indent=2, default=str).replace("\n", "\n" + pad)


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
