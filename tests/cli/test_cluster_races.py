"""20 clients racing through a cluster of 2 API servers and 2 workers on one PostgreSQL
store: uploads from Dev to Test, revocations and re-authorizations of Test's inbound path
from Dev, and deployments into Test. No upload lands while the path is revoked (the check
and the write are one transaction under the family's lock, whatever the server), and no
deployment's update is lost (docs/operations.md)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from changeway.bootstrap import App
from changeway.domain.deployments import DeploymentStatus
from changeway.services import users
from tests.cluster import Cluster
from tests.helpers import trail, user
from tests.helpers_metadata import add, apex, contents, create, family, put

pytestmark = pytest.mark.xdist_group("scale-out")

UPLOADERS, REVOKERS, DEPLOYERS = 10, 4, 6
CHANGE_SETS = 60
SECONDS = 20


def test_uploads_revocations_and_deployments_race_without_breaking_a_rule(
    pg_app: tuple[App, str], tmp_path: Path
) -> None:
    app, url = pg_app
    family(app)
    put(app, "Dev", [apex(f"R{i}") for i in range(CHANGE_SETS)])
    for i in range(CHANGE_SETS):
        create(app, "Dev", f"CS{i}")
        add(app, "Dev", f"CS{i}", f"ApexClass:R{i}")
    before = set(contents(app, "Test"))
    token = users.create_token(app, actor=user(app), user=user(app).name).secret
    cluster = Cluster(url, tmp_path / "cluster", operator=user(app).name)
    cluster.start()
    stop = threading.Event()
    pending = list(range(CHANGE_SETS))
    lock = threading.Lock()
    unexpected: list[str] = []

    def call(method: str, path: str, ok: tuple[int, ...], **options: object) -> None:
        answer = cluster.request(method, path, token, **options)  # type: ignore[arg-type]
        if answer.status_code not in ok:
            unexpected.append(f"{method} {path}: {answer.status_code} {answer.text[:200]}")

    def uploader(rng: random.Random) -> None:
        while not stop.is_set():
            with lock:
                if not pending:
                    return
                i = pending.pop()
            # refused (409) while the path is revoked: the change set stays open
            answer = cluster.request(
                "POST", f"/orgs/Dev/change-sets/CS{i}/upload", token, json={"to": "Test"}
            )
            if answer.status_code == 409:
                with lock:
                    pending.insert(0, i)
            elif answer.status_code != 200:
                unexpected.append(f"upload CS{i}: {answer.status_code} {answer.text[:200]}")
            time.sleep(rng.uniform(0, 0.05))

    def revoker(rng: random.Random) -> None:
        while not stop.is_set():
            call("DELETE", "/orgs/Test/inbound-from/Dev", (200, 409))
            time.sleep(rng.uniform(0, 0.2))
            call("PUT", "/orgs/Test/inbound-from/Dev", (200, 409))
            time.sleep(rng.uniform(0, 0.3))

    def deployer(rng: random.Random) -> None:
        while not stop.is_set():
            listed = cluster.request("GET", "/orgs/Test/inbound", token).json()["items"]
            waiting = [c["name"] for c in listed if c["status"] == "awaiting_deployment"]
            if waiting:
                name = rng.choice(waiting)
                # refused (409) when another client deploys it first or the path is revoked
                call("POST", f"/orgs/Test/inbound/{name}/deploy", (202, 409), json={})
            time.sleep(rng.uniform(0, 0.1))

    roles: list[Callable[[random.Random], None]] = (
        [uploader] * UPLOADERS + [revoker] * REVOKERS + [deployer] * DEPLOYERS
    )
    clients = [
        threading.Thread(target=role, args=(random.Random(n),)) for n, role in enumerate(roles)
    ]
    try:
        for client in clients:
            client.start()
        time.sleep(SECONDS)
        stop.set()
        for client in clients:
            client.join(120)
        call("PUT", "/orgs/Test/inbound-from/Dev", (200, 409))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not deployments_final(app):
            time.sleep(0.5)
    finally:
        stop.set()
        cluster.stop()

    assert not unexpected, unexpected[:5]
    events = [e for e in trail(app) if e.action.startswith(("connection.inbound", "change_set."))]
    allowed = True  # family() authorized Dev -> Test
    uploads = 0
    for e in sorted(events, key=lambda e: e.id):
        if e.action == "connection.inbound_revoked" and e.details.get("source") == "Dev":
            allowed = allowed and e.org_name != "Test"
        elif e.action == "connection.inbound_allowed" and e.details.get("source") == "Dev":
            allowed = allowed or e.org_name == "Test"
        elif e.action == "change_set.uploaded" and e.org_name == "Test":
            uploads += 1
            assert allowed, (
                f"{e.details['change_set']} landed while Test refused Dev (event {e.id})"
            )
    revocations = [e for e in events if e.action == "connection.inbound_revoked"]
    assert uploads and revocations, (uploads, len(revocations))

    with app.uow(read_only=True) as uow:
        test = next(o for o in uow.orgs.all() if o.name == "Test")
        history = uow.metadata.versions(test.id)
        done = [d for d in uow.deployments.of_org([test.id]) if d.kind.value == "deployment"]
    numbers = sorted(v.number for v in history)
    assert numbers == list(range(1, len(numbers) + 1))  # no gap, no duplicate
    succeeded = [d for d in done if d.status is DeploymentStatus.SUCCEEDED]
    assert succeeded, [(d.status, d.error) for d in done][:5]
    for d in done:
        assert d.status.is_final and (d.status is DeploymentStatus.SUCCEEDED or d.error)
    expected = set(before) | {r.key for d in succeeded for r in d.components}
    assert set(contents(app, "Test")) == expected  # every deployment's update is there
    assert all(k.type == "ApexClass" for k in expected - before)


def deployments_final(app: App) -> bool:
    with app.uow(read_only=True) as uow:
        test = next(o for o in uow.orgs.all() if o.name == "Test")
        return all(d.status.is_final for d in uow.deployments.of_org([test.id]))
