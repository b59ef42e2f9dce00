"""What operators and load balancers read: /readyz, /metrics, request ids and JSON logs
(docs/operations.md)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from changeway.adapters.logs import JsonFormatter
from changeway.api.app import create_api
from changeway.bootstrap import App
from changeway.services.jobs import enqueue, run_next
from tests.api.conftest import MAX_UPLOAD
from tests.helpers import user


@pytest.fixture
def api_only(app: App) -> Iterator[TestClient]:
    """The API with no worker of its own (`serve --workers 0`)."""
    with TestClient(create_api(app, max_upload=MAX_UPLOAD, workers=0)) as client:
        yield client


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What changeway logs meanwhile, one JSON object a line."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("changeway")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        found = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if found and found[1] == name:
            have = ",".join(sorted((found[2] or "").split(","))) if found[2] else ""
            if have == want:
                return float(found[3])
    raise AssertionError(f"no sample {name}{labels} in:\n{text}")


def test_readyz_says_ready_when_the_store_answers_with_the_current_schema(
    api_only: TestClient,
) -> None:
    answer = api_only.get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})


def test_readyz_refuses_an_outdated_schema_while_healthz_still_answers(
    app: App, api_only: TestClient
) -> None:
    with app.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    answer = api_only.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["code"] == "not_ready"
    assert "older than this changeway's" in answer.json()["detail"]
    assert "changeway db upgrade" in answer.json()["detail"]
    assert api_only.get("/healthz").status_code == 200


def test_metrics_count_requests_by_route_and_read_the_queue_from_the_store(
    app: App, api_only: TestClient
) -> None:
    for _ in range(3):
        assert api_only.get("/orgs").status_code == 401
    assert api_only.get("/no/such/path").status_code == 404
    actor = user(app)
    with app.uow() as uow:
        for _ in range(2):
            enqueue(uow, kind="test.none", actor=actor, org_id=None, payload={}, clock=app.clock)
        uow.commit()
    app.clock.advance(seconds=45)  # type: ignore[attr-defined]

    text = api_only.get("/metrics").text
    requests = "changeway_http_requests_total"
    assert metric(text, requests, route="/orgs", method="GET", status="401") == 3
    assert metric(text, requests, route="unmatched", method="GET", status="404") == 1
    assert metric(text, "changeway_job_queue_depth") == 2
    assert metric(text, "changeway_job_oldest_pending_age_seconds") == 45
    assert metric(text, "changeway_jobs", kind="test.none", status="pending") == 2
    count = "changeway_http_request_duration_seconds_count"
    assert metric(text, count, route="/orgs", method="GET") == 3


def test_metrics_show_deployments_by_outcome_and_job_run_times(
    app: App, api_only: TestClient
) -> None:
    from tests.helpers_metadata import apex, change_set, family, put, request

    family(app)
    put(app, "Dev", [apex("K0")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    request(app, "Test", "CS0")
    pending = api_only.get("/metrics").text
    assert metric(pending, "changeway_deployments", kind="deployment", status="pending") == 1
    done = run_next(app.uow, clock=app.clock, worker="w", handlers=app.handlers)
    assert done is not None

    text = api_only.get("/metrics").text
    assert metric(text, "changeway_deployments", kind="deployment", status="succeeded") == 1
    assert metric(text, "changeway_job_queue_depth") == 0
    ran = "changeway_job_duration_seconds_count"
    assert metric(text, ran, kind="deployment.run", status="succeeded") == 1


def test_each_response_carries_its_request_id_and_the_log_line_too(
    api_only: TestClient, json_lines: io.StringIO
) -> None:
    kept = api_only.get("/healthz", headers={"X-Request-Id": "lb-7f3a.1"})
    made = api_only.get("/healthz")
    odd = api_only.get("/healthz", headers={"X-Request-Id": "a b\tc"})
    assert kept.headers["x-request-id"] == "lb-7f3a.1"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert odd.headers["x-request-id"] not in ("a b\tc", made.headers["x-request-id"])

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "changeway.api.access"]
    assert [r["request_id"] for r in requests] == [
        "lb-7f3a.1",
        made.headers["x-request-id"],
        odd.headers["x-request-id"],
    ]
    assert {(r["method"], r["route"], r["status"], r["level"]) for r in requests} == {
        ("GET", "/healthz", 200, "info")
    }


def test_a_worker_logs_each_job_with_its_id(app: App, json_lines: io.StringIO) -> None:
    from tests.helpers_metadata import apex, change_set, family, put, request

    family(app)
    put(app, "Dev", [apex("K0")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    d = request(app, "Test", "CS0")
    run_next(app.uow, clock=app.clock, worker="w9", handlers=app.handlers)

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    mine = [x for x in lines if x.get("job_id") == d.job_id]
    assert [(x["message"], x["worker"], x["kind"]) for x in mine] == [
        ("job started", "w9", "deployment.run"),
        ("job ended", "w9", "deployment.run"),
    ]
    assert (mine[0]["attempt"], mine[1]["status"]) == (1, "succeeded")
