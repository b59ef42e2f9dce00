"""Settings from command-line options, the environment and ``config.toml`` in the data
directory (in that order). Operators set them; nothing here can be changed through the API."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from changeway.domain.changesets import Limits
from changeway.domain.errors import Refused


@dataclass(frozen=True)
class Settings:
    """Where changeway keeps its state, the test runner, and change set limits."""

    data_dir: Path
    database_url: str
    test_runner: str | None = None
    change_set_limits: Limits = field(default_factory=Limits)
    instance_url: str | None = None
    """Where Salesforce's tools reach the server (``[server] instance_url``)."""
    allow_clock_override: bool = False
    """Whether ``CHANGEWAY_NOW`` may pin the CLI's clock (``[clock] allow_override``)."""
    max_input_files: int | None = None
    """Most files one imported or uploaded input may hold (``[input] max_files``); None keeps
    the built-in cap."""

    @property
    def shown_url(self) -> str:
        """The store's URL as it may be printed: any password masked."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)

    @classmethod
    def load(cls, *, data_dir: Path | None = None, database_url: str | None = None) -> Settings:
        """Options first, then ``CHANGEWAY_*`` variables, then ``config.toml``, then defaults.

        The default store is a SQLite file in the data directory
        (``~/.local/share/changeway`` unless told otherwise). In ``config.toml``:
        ``[tests] runner = "command"``, ``[change_sets] max_files = N, max_mb = N`` and
        ``[input] max_files = N`` (files in one imported or uploaded input),
        ``[server] instance_url = "https://..."`` (else the running server's address) and
        ``[clock] allow_override = true`` (or ``CHANGEWAY_ALLOW_CLOCK_OVERRIDE=1``: tests and
        operators replaying history only).
        """
        env_dir = os.environ.get("CHANGEWAY_DATA_DIR")
        default_dir = Path.home() / ".local" / "share" / "changeway"
        directory = Path(data_dir or env_dir or default_dir).expanduser()
        url = database_url or os.environ.get("CHANGEWAY_DATABASE_URL")
        if not url:
            url = f"sqlite:///{directory / 'changeway.db'}"
        config = _config_file(directory)
        runner = os.environ.get("CHANGEWAY_TEST_RUNNER") or config.get("tests", {}).get("runner")
        sets = config.get("change_sets", {})
        defaults = Limits()
        files = _positive("CHANGEWAY_MAX_CHANGE_SET_FILES", sets.get("max_files"))
        megabytes = _positive("CHANGEWAY_MAX_CHANGE_SET_MB", sets.get("max_mb"))
        limits = Limits(
            max_files=files or defaults.max_files,
            max_bytes=megabytes * 2**20 if megabytes else defaults.max_bytes,
        )
        input_files = _positive(
            "CHANGEWAY_MAX_INPUT_FILES", config.get("input", {}).get("max_files")
        )
        instance = os.environ.get("CHANGEWAY_INSTANCE_URL") or config.get("server", {}).get(
            "instance_url"
        )
        override = os.environ.get("CHANGEWAY_ALLOW_CLOCK_OVERRIDE")
        if override is None:
            override = str(config.get("clock", {}).get("allow_override", False))
        return cls(
            data_dir=directory,
            database_url=url,
            test_runner=str(runner) if runner else None,
            change_set_limits=limits,
            instance_url=str(instance).rstrip("/") if instance else _serving(directory),
            allow_clock_override=override.strip().lower() in ("1", "true", "yes"),
            max_input_files=input_files,
        )


#: Where a running `changeway serve` records the address it listens on.
SERVING_FILE = "serving.url"


def _serving(directory: Path) -> str | None:
    """The address of the server running on this data directory, if one recorded it."""
    try:
        return (directory / SERVING_FILE).read_text().strip() or None
    except OSError:
        return None


def _config_file(directory: Path) -> dict[str, Any]:
    """``config.toml`` in the data directory, or nothing."""
    path = directory / "config.toml"
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"{path}: {error}") from None


def _positive(variable: str, configured: object) -> int | None:
    """A positive whole number from ``variable`` or the config file, if either sets it."""
    raw = os.environ.get(variable, configured)
    if raw is None:
        return None
    try:
        value = int(str(raw))
    except ValueError:
        value = 0
    if value <= 0:
        raise Refused(f"{variable} (or config.toml) must be a positive whole number, not {raw!r}")
    return value
