"""The options given before a command, and what they open on first use: the embedded store
or a server's client. Kept free of Rich and the store so that every command starts light."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from changeway.domain.clock import Clock, OverriddenClock, SystemClock
from changeway.domain.errors import Refused

if TYPE_CHECKING:
    from changeway.bootstrap import App
    from changeway.cli.client import Client
    from changeway.config import Settings


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
        from changeway.config import Settings

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
                clock=clock_from_env(settings),
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


def clock_from_env(settings: Settings) -> Clock:
    """The system clock, or a fixed time from ``CHANGEWAY_NOW`` (ISO 8601, UTC if no zone)
    where the operator allows it: otherwise anyone could backdate the audit trail."""
    text = os.environ.get("CHANGEWAY_NOW", "").strip()
    if not text:
        return SystemClock()
    if not settings.allow_clock_override:
        raise Refused(
            "CHANGEWAY_NOW is set but this store does not allow pinning the clock "
            "(an operator sets CHANGEWAY_ALLOW_CLOCK_OVERRIDE=1 or [clock] allow_override)"
        )
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"CHANGEWAY_NOW={text!r} is not an ISO 8601 date and time") from None
    return OverriddenClock(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


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
