"""Settings from the environment and command-line options."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where changeway keeps its state."""

    data_dir: Path
    database_url: str
    test_runner: str | None = None

    @classmethod
    def load(cls, *, data_dir: Path | None = None, database_url: str | None = None) -> Settings:
        """Options first, then ``CHANGEWAY_DATA_DIR`` / ``CHANGEWAY_DATABASE_URL``, then defaults.

        The default store is a SQLite file in the data directory
        (``~/.local/share/changeway`` unless told otherwise).
        """
        env_dir = os.environ.get("CHANGEWAY_DATA_DIR")
        default_dir = Path.home() / ".local" / "share" / "changeway"
        directory = Path(data_dir or env_dir or default_dir).expanduser()
        url = database_url or os.environ.get("CHANGEWAY_DATABASE_URL")
        if not url:
            url = f"sqlite:///{directory / 'changeway.db'}"
        return cls(data_dir=directory, database_url=url, test_runner=_test_runner(directory))


def _test_runner(directory: Path) -> str | None:
    """The operator's test runner command: ``CHANGEWAY_TEST_RUNNER``, else ``runner`` in the
    ``[tests]`` table of ``config.toml`` in the data directory. Never set through the API."""
    command = os.environ.get("CHANGEWAY_TEST_RUNNER")
    if command:
        return command
    config = directory / "config.toml"
    if config.is_file():
        with config.open("rb") as handle:
            runner = tomllib.load(handle).get("tests", {}).get("runner")
        return str(runner) if runner else None
    return None
