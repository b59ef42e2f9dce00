"""What every command shares: the client (embedded store or server), the acting user, error
and JSON handling."""

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
from rich.markup import escape

from changeway.config import Settings
from changeway.domain.clock import Clock, FixedClock, SystemClock
from changeway.domain.errors import ChangewayError, Refused

if TYPE_CHECKING:
    from changeway.bootstrap import App
    from changeway.cli.client import Client

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@dataclass
class CliState:
    """Options given before the command; the store and the client are opened on first use."""

    data_dir: Path | None
    as_user: str | None
    server: str | None = None
    _app: App | None = None
    _client: Client | None = None

    def close(self) -> None:
        if self._app is not None:
            self._app.close()

    @property
    def settings(self) -> Settings:
        """The embedded store's settings (options, environment, config.toml)."""
        return Settings.load(data_dir=self.data_dir)

    @property
    def app(self) -> App:
        """The embedded store (its schema upgraded automatically only for a SQLite file)."""
        if self.server:
            raise Refused(f"this command runs next to a store, not against {self.server}")
        if self._app is None:
            # Imported here, not at the top: commands that need no store (convert, --help)
            # start without loading SQLAlchemy.
            from changeway.bootstrap import bootstrap

            settings = self.settings
            self._app = bootstrap(
                settings,
                clock=clock_from_env(),
                upgrade=settings.database_url.startswith("sqlite"),
            )
        return self._app

    @property
    def client(self) -> Client:
        """Runs operations as the acting user: on the server (``--server``), or in-process."""
        if self._client is None and self.server:
            from changeway.cli.remote import RemoteClient, saved_token

            if self.as_user:
                raise Refused("--as works on an embedded store; against a server, use a token")
            token = os.environ.get("CHANGEWAY_TOKEN") or saved_token(self.server)
            self._client = RemoteClient(self.server, token)
        if self._client is None:
            from changeway.cli.client import EmbeddedClient
            from changeway.domain.permissions import Entrypoint
            from changeway.services.users import embedded_actor

            app = self.app
            actor = embedded_actor(
                app, os_user=os_user(), as_user=self.as_user, entrypoint=Entrypoint.CLI
            )
            self._client = EmbeddedClient(app, actor)
        return self._client


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


def os_user() -> str:
    """The OS user: who acts on an embedded store (the first one becomes its administrator)."""
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
