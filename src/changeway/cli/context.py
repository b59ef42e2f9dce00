"""What every command shares: the wired app, the acting user, error and JSON handling."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from changeway.config import Settings
from changeway.domain.clock import Clock, FixedClock, SystemClock
from changeway.domain.errors import ChangewayError, Refused

if TYPE_CHECKING:
    from changeway.bootstrap import App

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@dataclass
class CliState:
    """Options given before the command; the app is opened on first use."""

    data_dir: Path | None
    actor: str
    _app: App | None = None

    def close(self) -> None:
        if self._app is not None:
            self._app.close()

    @property
    def app(self) -> App:
        if self._app is None:
            # Imported here, not at the top: commands that need no store (convert, --help)
            # start without loading SQLAlchemy and Alembic.
            from changeway.bootstrap import bootstrap

            self._app = bootstrap(Settings.load(data_dir=self.data_dir), clock=clock_from_env())
        return self._app


def clock_from_env() -> Clock:
    """The system clock, or a fixed time from ``CHANGEWAY_NOW`` (ISO 8601, UTC if no zone)."""
    text = os.environ.get("CHANGEWAY_NOW", "").strip()
    if not text:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"CHANGEWAY_NOW={text!r} is not an ISO 8601 date and time") from None
    return FixedClock(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def default_actor() -> str:
    """The OS user: the actor recorded in the audit trail until server users exist."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def state(ctx: typer.Context) -> CliState:
    """The shared state of this invocation."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        raise RuntimeError("changeway's main callback did not run")
    return obj


@contextmanager
def failures() -> Iterator[None]:
    """Turn a refusal into a message on stderr and exit code 1 (nothing was changed)."""
    try:
        yield
    except ChangewayError as error:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(1) from None


def print_json(data: Any) -> None:
    """Machine-readable output for scripts (plain JSON, no colours)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def warn_skipped(skipped: list[str]) -> None:
    """Say which input files were not imported because they belong to no component."""
    shown = ", ".join(skipped[:10])
    more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    err_console.print(
        f"[yellow]warning:[/] {len(skipped)} file(s) belong to no metadata component"
        f" and were not imported: {shown}{more}",
        highlight=False,
    )
