"""`changeway serve --processes 2 --workers 0` and `changeway worker --concurrency 2` as
separate processes over one PostgreSQL store: the API queues, the worker runs, /metrics adds
up every server process's requests, and both write JSON logs (docs/operations.md)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from changeway.services.demo import SAMPLE_APP
from tests import stores
from tests.served import EXE, base_env, changeway, serving

pytestmark = pytest.mark.xdist_group("scale-out")


@pytest.fixture
def pg_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A CLI environment on a fresh PostgreSQL schema, migrated."""
    with stores.store("postgresql", tmp_path) as (_settings, schema):
        env = base_env(tmp_path / "store")
        env["CHANGEWAY_DATABASE_URL"] = f"{stores.PG_URL}?options=-csearch_path%3D{schema}"
        (tmp_path / "store").mkdir()
        changeway(env, "db", "upgrade")
        yield env


def sample(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{name}{re.escape(labels)} (\S+)$", text, re.M)
    assert found, f"no {name}{labels} in /metrics"
    return float(found[1])


def test_api_servers_and_a_separate_worker_share_one_postgresql(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    store = Path(pg_env["CHANGEWAY_DATA_DIR"])
    changeway(pg_env, "org", "create", "Prod", "--from", str(SAMPLE_APP))
    with serving(
        store, pg_env, "--processes", "2", "--workers", "0", "--log-format", "json"
    ) as url:
        changeway(
            pg_env, "sandbox", "create", "Dev", "--from", "Prod", "--type", "developer", "--no-wait"
        )
        for _ in range(20):
            assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        before = httpx.get(f"{url}/metrics", timeout=10).text
        # the servers run no job: it waits for a worker
        assert sample(before, "changeway_job_queue_depth") == 1
        readyz = 'changeway_http_requests_total{method="GET",route="/readyz",status="200"}'
        assert sample(before, readyz) == 20  # added up over both server processes

        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [str(EXE), "worker", "--concurrency", "2", "--idle", "0.2", "--log-format", "json"],
            env=pg_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                text = httpx.get(f"{url}/metrics", timeout=10).text
                if 'changeway_jobs{kind="sandbox.copy",status="succeeded"} 1.0' in text:
                    break
                time.sleep(0.5)
            else:
                pytest.fail("the worker never ran the sandbox copy: " + log.name)
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=60)
            log.close()
        assert code == 0
        assert sample(text, "changeway_job_queue_depth") == 0

    served = [
        json.loads(line)
        for line in (store / "serve.log").read_text().splitlines()
        if line.startswith("{")
    ]
    readys = [line for line in served if line.get("route") == "/readyz"]
    assert len(readys) == 20 and all(re.fullmatch(r"[0-9a-f]{32}", r["request_id"]) for r in readys)
    lines = (tmp_path / "worker.log").read_text().splitlines()
    jobs = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(j["message"], j["kind"], j["status"]) for j in jobs if "status" in j] == [
        ("job ended", "sandbox.copy", "succeeded")
    ]
    assert re.fullmatch(r".+:\d+/[12]", jobs[0]["worker"])
    assert "Dev" in changeway(pg_env, "org", "list")


def test_serve_and_worker_refuse_bad_options(tmp_path: Path) -> None:
    env = base_env(tmp_path / "store")
    for args, words in [
        (["serve", "--workers", "-1"], "--workers 0 or more"),
        (["serve", "--processes", "0"], "--processes and --max-upload-mb"),
        (["serve", "--log-format", "xml"], "--log-format takes one of: text, json"),
        (["worker", "--concurrency", "0"], "--concurrency takes a positive number"),
    ]:
        done = subprocess.run(
            [str(EXE), *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode != 0, args
        assert words in done.stdout + done.stderr, (args, done.stdout, done.stderr)
