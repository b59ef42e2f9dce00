"""A changeway cluster on one PostgreSQL store: API servers (`serve --workers 0`) and job
workers (`worker`) as separate processes on loopback ports, which a test may kill and
restart; its client spreads requests over the servers and tries the next on a dead one.

`scripts/cluster` runs one by hand; the fault tests and `bench/cluster` use it.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from changeway.api.local import free_port
from tests.served import EXE, base_env


@dataclass
class Member:
    """One process of the cluster: how to start it, and the running process."""

    kind: str  # "server" or "worker"
    command: list[str]
    log: Path
    url: str | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0


@dataclass
class Cluster:
    """``servers`` API servers and ``workers`` workers over the store ``database_url``."""

    database_url: str
    folder: Path
    servers: int = 2
    workers: int = 2
    server_processes: int = 1
    worker_concurrency: int = 1
    operator: str = "ops"
    """The OS user the workers run as: an administrator of the store."""
    members: list[Member] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = base_env(self.folder / "data", user=self.operator)
        self.env["CHANGEWAY_DATABASE_URL"] = self.database_url
        self.env["CHANGEWAY_TEST_RUNNER"] = ""
        for i in range(self.servers):
            port = free_port()
            command = [str(EXE), "serve", "--host", "127.0.0.1", "--port", str(port)]
            command += ["--processes", str(self.server_processes), "--workers", "0"]
            log = self.folder / f"server{i}.log"
            self.members.append(Member("server", command, log, f"http://127.0.0.1:{port}"))
        for i in range(self.workers):
            command = [str(EXE), "worker", "--idle", "0.2"]
            command += ["--concurrency", str(self.worker_concurrency)]
            self.members.append(Member("worker", command, self.folder / f"worker{i}.log"))
        self._next = itertools.cycle(range(self.servers))

    @property
    def urls(self) -> list[str]:
        return [m.url for m in self.members if m.url]

    def start(self) -> None:
        """Start every process; return once every server is ready."""
        for member in self.members:
            self._launch(member)
        for member in self.members:
            if member.kind == "server":
                self._wait_ready(member)
        time.sleep(1)
        for member in self.members:
            assert member.process is not None
            if member.process.poll() is not None:
                raise RuntimeError(f"{member.kind} exited: {member.log.read_text()[-2000:]}")

    def _launch(self, member: Member) -> None:
        out = member.log.open("a")
        member.process = subprocess.Popen(
            member.command, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        member.starts += 1

    def _wait_ready(self, member: Member, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert member.process is not None
            if member.process.poll() is not None:
                raise RuntimeError(f"{member.kind} exited: {member.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{member.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{member.kind} at {member.url} never became ready")

    def kill(self, member: Member) -> None:
        """SIGKILL one process (no chance to hand anything back)."""
        if member.process is not None and member.process.poll() is None:
            member.process.send_signal(signal.SIGKILL)
            member.process.wait(timeout=30)

    def restart(self, member: Member) -> None:
        self._launch(member)

    def stop(self) -> None:
        """SIGTERM everything (workers finish their job, servers drain), then SIGKILL."""
        for member in self.members:
            if member.process is not None and member.process.poll() is None:
                member.process.send_signal(signal.SIGTERM)
        for member in self.members:
            if member.process is None:
                continue
            try:
                member.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                member.process.kill()
                member.process.wait(timeout=30)

    def request(
        self, method: str, path: str, token: str, *, patience: float = 180, **options: Any
    ) -> httpx.Response:
        """One request to the next server in turn; a server that does not answer (killed,
        restarting) passes the request to the next, for up to ``patience`` seconds (every
        server may be restarting at once). A repeated request must be safe to repeat."""
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + patience
        while True:
            url = self.urls[next(self._next)]
            try:
                return httpx.request(method, url + path, headers=headers, timeout=60, **options)
            except httpx.TransportError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no server answered {method} {path}: {error}") from None
                time.sleep(0.2)


def main() -> None:
    """Run a cluster on ``$CHANGEWAY_DATABASE_URL`` (migrated) until Ctrl-C."""
    url = os.environ.get("CHANGEWAY_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("set CHANGEWAY_DATABASE_URL to a PostgreSQL store (changeway db upgrade)")
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "cluster")
    cluster = Cluster(url, folder.resolve())
    cluster.start()
    print("servers:", " ".join(cluster.urls), f"(logs in {folder})", flush=True)
    try:
        signal.sigwait([signal.SIGINT, signal.SIGTERM])
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
