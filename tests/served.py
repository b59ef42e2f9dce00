"""A real `changeway serve` process on a loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

EXE = Path(sys.executable).with_name("changeway")


def base_env(store: Path, user: str = "ops") -> dict[str, str]:
    """The environment of a local CLI on ``store`` acting as OS user ``user``."""
    env = {**os.environ, "CHANGEWAY_DATA_DIR": str(store), "LOGNAME": user, "NO_COLOR": "1"}
    env["COLUMNS"] = "200"
    for key in ("CHANGEWAY_SERVER", "CHANGEWAY_TOKEN", "CHANGEWAY_DATABASE_URL", "CHANGEWAY_NOW"):
        env.pop(key, None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(store: Path, env: dict[str, str], *options: str) -> Iterator[str]:
    """Serve ``store`` (its schema current) until the block ends; yields the base URL."""
    port = free_port()
    with (store / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                pytest.fail("changeway serve never became healthy: " + log.name)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)
