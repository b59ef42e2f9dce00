"""A `changeway serve` process on a free loopback port, started and awaited until /healthz
answers: what scripts and tests that talk HTTP to a local server share."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

#: The `changeway` command installed beside the running interpreter.
EXE = Path(sys.executable).with_name("changeway")


def free_port() -> int:
    """A loopback port that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(
    url: str, *, seconds: float = 60.0, process: subprocess.Popen[str] | None = None
) -> bool:
    """Whether ``url``/healthz answered 200 within ``seconds`` (False at once if the serving
    ``process`` has exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


@contextmanager
def local_server(
    env: Mapping[str, str], *options: str, log: IO[str] | int = subprocess.DEVNULL
) -> Iterator[str]:
    """Serve with ``env`` until the block ends; yields the base URL once healthy.

    Raises RuntimeError when the server never becomes healthy (its output went to ``log``)."""
    port = free_port()
    process = subprocess.Popen(
        [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port), *options],
        env=dict(env),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_healthy(url, process=process):
            raise RuntimeError("changeway serve never became healthy")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
