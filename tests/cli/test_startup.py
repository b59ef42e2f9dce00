"""What the command line loads to start: `--help`, `version` and `org list` import only what
they use, and a store whose schema is current is not migrated again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import click
import pytest
import typer

from changeway import __version__
from changeway.cli.main import COMMANDS, GROUPS, app

#: Prints the modules loaded once `changeway ARGS...` has run, as a JSON list.
PROBE = """
import json, sys
from changeway.cli.main import app
try:
    app(sys.argv[1:], prog_name="changeway")
except SystemExit as exit:
    assert not exit.code, exit.code
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""

#: Loaded by no command that only lists orgs or prints help or the version.
HEAVY = (
    "alembic",
    "fastapi",
    "httpx",
    "uvicorn",
    "lxml",
    "argon2",
    "markdown_it",
    "rich.markdown",
    "sqlalchemy.dialects.postgresql",
    "changeway.adapters.formats",
    "changeway.adapters.db.metadata_store",
    "changeway.services.deployments",
    "changeway.services.dependencies",
)


def loaded(store: Path, *args: str) -> tuple[str, set[str]]:
    """Run changeway in a fresh interpreter on ``store``; its output and loaded modules."""
    env = {**os.environ, "CHANGEWAY_DATA_DIR": str(store), "LOGNAME": "alice"}
    env.pop("CHANGEWAY_DATABASE_URL", None)
    env.pop("CHANGEWAY_SERVER", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("\nMODULES ")
    return output, set(json.loads(modules))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_lists_every_command_without_loading_any(tmp_path: Path) -> None:
    output, modules = loaded(tmp_path / "store", "--help")
    for name in [*GROUPS, *COMMANDS]:
        assert f"\n  {name} " in output
    assert "Production orgs and every org's details." in output
    assert not {f"changeway.cli.{module}" for module, _ in GROUPS.values()} & modules
    assert not {"sqlalchemy", "rich.console", "changeway.bootstrap"} & modules
    assert heavy_in(modules) == []
    assert not (tmp_path / "store").exists()


def test_version_prints_the_installed_version_without_the_store(tmp_path: Path) -> None:
    output, modules = loaded(tmp_path / "store", "version")
    assert output.strip() == f"changeway {__version__}"
    assert __version__ == installed_version("changeway")
    assert "sqlalchemy" not in modules and heavy_in(modules) == []


def test_org_list_on_a_current_store_loads_no_migrations_nor_unused_layers(
    tmp_path: Path,
) -> None:
    first, modules = loaded(tmp_path / "store", "org", "list")
    assert "no orgs yet" in first
    assert "alembic" in modules  # the first use creates the store's tables
    output, modules = loaded(tmp_path / "store", "org", "list")
    assert "no orgs yet: create one with `changeway org create NAME`" in output
    assert heavy_in(modules) == []


@pytest.mark.parametrize("name", sorted([*GROUPS, *COMMANDS]))
def test_each_summary_in_the_command_list_is_the_command_s_own_help(name: str) -> None:
    """The list `--help` prints without loading commands says what each command says."""
    group = typer.main.get_group(app)
    command = group.get_command(click.Context(group), name)
    assert command is not None and command.help is not None
    summary = GROUPS[name][1] if name in GROUPS else COMMANDS[name][2]
    assert " ".join(command.help.split("\n\n")[0].split()) == summary
