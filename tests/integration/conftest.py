"""Fixtures for integration tests that drive the CLI against the test's store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from changeway.bootstrap import App
from changeway.cli.main import app as cli_app
from changeway.cli.state import CliState
from tests.cli_results import Invoke


@pytest.fixture
def cw(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """``cw("org", "list", actor=...)`` runs the CLI against the test's store (either backend)
    as the OS user ``actor`` (the store's first administrator when it has no users yet)."""
    monkeypatch.setattr(CliState, "app", property(lambda _state: app))
    runner = CliRunner()

    def invoke(*args: str, actor: str = "alice", stdin: str | None = None) -> Result:
        return runner.invoke(
            cli_app,
            ["--data-dir", str(tmp_path / "cli"), *args],
            env={"COLUMNS": "250", "CHANGEWAY_TEST_RUNNER": "", "LOGNAME": actor},
            input=stdin,
        )

    return invoke
