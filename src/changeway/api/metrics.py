"""Prometheus metrics at /metrics: requests as this server saw them (added up over its
processes), and jobs and deployments as the store holds them, so every server agrees."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from changeway.adapters.logs import REQUEST_ID
from changeway.bootstrap import App
from changeway.services.monitoring import snapshot

#: Set by `serve --processes N`: where server processes add up their request metrics.
ENV_MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_REQUEST_ID = b"x-request-id"


class StoreCollector(Collector):
    """Job queue depth and age, job run times and deployments by outcome, read from the
    store at each scrape."""

    def __init__(self, app: App) -> None:
        self.app = app

    def collect(self) -> Iterable[Metric]:
        now = snapshot(self.app)
        jobs = GaugeMetricFamily(
            "changeway_jobs", "Jobs by kind and state", labels=["kind", "status"]
        )
        for (kind, status), n in sorted(now.jobs.counts.items()):
            jobs.add_metric([kind, status], n)
        yield jobs
        yield GaugeMetricFamily(
            "changeway_job_queue_depth", "Jobs waiting for a worker", value=now.queue_depth
        )
        yield GaugeMetricFamily(
            "changeway_job_oldest_pending_age_seconds",
            "How long the oldest waiting job has waited",
            value=now.oldest_pending_seconds,
        )
        ran = SummaryMetricFamily(
            "changeway_job_duration_seconds",
            "Time finished jobs ran, from start to end",
            labels=["kind", "status"],
        )
        for (kind, status), seconds in sorted(now.jobs.run_seconds.items()):
            ran.add_metric([kind, status], now.jobs.counts.get((kind, status), 0), seconds)
        yield ran
        deployments = GaugeMetricFamily(
            "changeway_deployments", "Deployments by kind and outcome", labels=["kind", "status"]
        )
        for (kind, status), n in sorted(now.deployments.items()):
            deployments.add_metric([kind, status], n)
        yield deployments


class Metrics:
    """The registry of one application, and the HTTP metrics it records."""

    def __init__(self, app: App) -> None:
        self.registry = CollectorRegistry()
        requests_registry = self.registry
        if os.environ.get(ENV_MULTIPROCESS):
            requests_registry = CollectorRegistry()  # written to files, read back by the collector
            MultiProcessCollector(self.registry)
        self.requests = Counter(
            "changeway_http_requests",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=requests_registry,
        )
        self.duration = Histogram(
            "changeway_http_request_duration_seconds",
            "Time to answer HTTP requests, by route and method",
            ["route", "method"],
            registry=requests_registry,
        )
        self.registry.register(StoreCollector(app))

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


class Observe:
    """ASGI middleware: gives each request an id (kept from ``X-Request-Id`` when sane, sent
    back in the response), counts and times it by route, and logs it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, log: Any) -> None:
        self.app = app
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(dict(scope["headers"]).get(_REQUEST_ID))
        token = REQUEST_ID.set(request_id)
        status = 500
        began = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (_REQUEST_ID, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - began
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.duration.labels(route, method).observe(seconds)
            self.log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": round(seconds * 1000, 1),
                },
            )
            REQUEST_ID.reset(token)


def _request_id(given: bytes | None) -> str:
    """The caller's request id when it is short and plain, else a new one."""
    if given and len(given) <= 64 and all(chr(c).isalnum() or chr(c) in "-_." for c in given):
        return given.decode()
    return uuid.uuid4().hex
