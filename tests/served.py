"""A real `changeway serve` process on a loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from changeway.api.local import EXE, local_server

__all__ = ["EXE", "base_env", "serving"]


def base_env(store: Path, user: str = "ops") -> dict[str, str]:
    """The environment of a local CLI on ``store`` acting as OS user ``user``."""
    env = {**os.environ, "CHANGEWAY_DATA_DIR": str(store), "LOGNAME": user, "NO_COLOR": "1"}
    env["COLUMNS"] = "200"
    for key in ("CHANGEWAY_SERVER", "CHANGEWAY_TOKEN", "CHANGEWAY_DATABASE_URL", "CHANGEWAY_NOW"):
        env.pop(key, None)
    return env


@contextmanager
def serving(store: Path, env: dict[str, str], *options: str) -> Iterator[str]:
    """Serve ``store`` (its schema current) until the block ends; yields the base URL."""
    with (store / "serve.log").open("w") as log:
        try:
            with local_server(env, *options, log=log) as url:
                yield url
        except RuntimeError as error:
            pytest.fail(f"{error}: {log.name}")
