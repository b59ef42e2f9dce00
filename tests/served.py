"""A real `changeway serve` process on a loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from changeway.api.local import EXE, local_server

__all__ = ["EXE", "base_env", "changeway", "serving"]


def base_env(store: Path, user: str = "ops") -> dict[str, str]:
    """The environment of a local CLI on ``store`` acting as OS user ``user``."""
    env = {**os.environ, "CHANGEWAY_DATA_DIR": str(store), "LOGNAME": user, "NO_COLOR": "1"}
    env["COLUMNS"] = "200"
    for key in ("CHANGEWAY_SERVER", "CHANGEWAY_TOKEN", "CHANGEWAY_DATABASE_URL", "CHANGEWAY_NOW"):
        env.pop(key, None)
    return env


def changeway(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    """Run the installed CLI with ``env``; its output, once it succeeded."""
    done = subprocess.run(
        [str(EXE), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


@contextmanager
def serving(store: Path, env: dict[str, str], *options: str) -> Iterator[str]:
    """Serve ``store`` (its schema current) until the block ends; yields the base URL."""
    with (store / "serve.log").open("w") as log:
        try:
            with local_server(env, *options, log=log) as url:
                yield url
        except RuntimeError as error:
            pytest.fail(f"{error}: {log.name}")
