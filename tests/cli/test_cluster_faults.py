"""Scale-out under faults: 100 deployments through a cluster of 2 API servers and 2
workers on one PostgreSQL store, while a chaos loop SIGKILLs random servers and workers and
restarts them. Every deployment ends, succeeded or failed with a reason, within the lease
time once the chaos stops; every target holds each deployment wholly or not at all; the
audit trail has each deployment's request and end exactly once (docs/operations.md)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from changeway.bootstrap import App
from changeway.domain.components import ComponentKey
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.jobs import LEASE
from changeway.services import users
from tests.cluster import Cluster
from tests.helpers import allow, make_sandbox, trail, user
from tests.helpers_metadata import apex, change_set, contents, family, get, put

pytestmark = pytest.mark.xdist_group("scale-out")

DEPLOYMENTS = 100
TARGETS = ("Test", "Q1", "Q2", "Q3")
CHAOS_SECONDS = 30


def prepare(app: App) -> dict[int, tuple[str, int]]:
    """Dev, four targets accepting Dev's change sets, and one change set of two new classes
    per deployment uploaded to its target; deployment number -> (target, inbound id)."""
    family(app)
    for name in TARGETS[1:]:
        make_sandbox(app, name, source="Prod")
        allow(app, name, "Dev")
    put(app, "Dev", [apex(f"K{i}{part}") for i in range(DEPLOYMENTS) for part in "ab"])
    targets = {}
    for i in range(DEPLOYMENTS):
        target = TARGETS[i % len(TARGETS)]
        sent = change_set(
            app, "Dev", f"CS{i}", f"ApexClass:K{i}a", f"ApexClass:K{i}b", target=target
        )
        targets[i] = (target, sent.id)
    return targets


def chaos(cluster: Cluster, stop: threading.Event, kills: Counter[str]) -> None:
    """Until stopped: every 0.5 to 2 s SIGKILL a random server or worker and start it again."""
    rng = random.Random(12)
    while not stop.wait(rng.uniform(0.5, 2.0)):
        member = rng.choice(cluster.members)
        cluster.kill(member)
        kills[member.kind] += 1
        time.sleep(rng.uniform(0.1, 0.5))
        cluster.restart(member)


def test_deployments_survive_servers_and_workers_killed_at_random(
    pg_app: tuple[App, str], tmp_path: Path
) -> None:
    app, url = pg_app
    targets = prepare(app)
    before = {t: set(contents(app, t)) for t in TARGETS}
    token = users.create_token(app, actor=user(app), user=user(app).name).secret
    cluster = Cluster(url, tmp_path / "cluster", operator=user(app).name)
    cluster.start()
    stop, kills = threading.Event(), Counter[str]()
    chaos_loop = threading.Thread(target=chaos, args=(cluster, stop, kills))
    try:
        chaos_loop.start()
        for i, (target, _inbound) in targets.items():
            # a request whose server died may have been queued: a repeat is then refused
            answer = cluster.request("POST", f"/orgs/{target}/inbound/CS{i}/deploy", token, json={})
            assert answer.status_code in (202, 409), answer.text
        # deployment id -> change set number; a request repeated after its server died may
        # have queued a second deployment of the same change set, once the first had ended
        ids = {d: i for i, (_t, inbound) in targets.items() for d in requested(app, inbound)}
        assert set(ids.values()) == set(targets)
        chaos_until = time.monotonic() + CHAOS_SECONDS
        while time.monotonic() < chaos_until and not all_final(app, ids):
            time.sleep(1)
        stop.set()
        chaos_loop.join()
        # nothing is stuck: with every process up again, what is left ends within the lease
        deadline = time.monotonic() + 2 * LEASE.total_seconds() + 60
        while time.monotonic() < deadline and not all_final(app, ids):
            time.sleep(1)
    finally:
        stop.set()
        if chaos_loop.is_alive():
            chaos_loop.join()
        cluster.stop()

    ended = {d: get(app, d) for d in ids}
    assert all(d.status.is_final for d in ended.values()), {
        d: e.status.value for d, e in ended.items() if not e.status.is_final
    }
    assert kills["worker"] and kills["server"], kills
    for d in ended.values():
        assert d.status in (DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED), d.status
        if d.status is DeploymentStatus.FAILED:
            assert d.error, f"deployment {d.id} failed without a reason"
    assert sum(d.status is DeploymentStatus.SUCCEEDED for d in ended.values()) > 0

    for target in TARGETS:
        now = set(contents(app, target))
        expected = set(before[target])
        for d in ended.values():
            i = ids[d.id]
            if targets[i][0] == target and d.status is DeploymentStatus.SUCCEEDED:
                expected |= {ComponentKey("ApexClass", f"K{i}{part}") for part in "ab"}
        assert now == expected, f"{target}: {sorted(map(str, now ^ expected))[:6]}"

    events = Counter(
        (e.details.get("deployment"), e.action)
        for e in trail(app)
        if e.action.startswith("deployment.")
    )
    for d in ended.values():
        assert events[(d.id, "deployment.requested")] == 1, d.id
        assert events[(d.id, f"deployment.{d.status.value}")] == 1, (d.id, d.status, d.error)
        other = "failed" if d.status is DeploymentStatus.SUCCEEDED else "succeeded"
        assert events[(d.id, f"deployment.{other}")] == 0, d.id


def requested(app: App, inbound_id: int) -> list[int]:
    """The deployments requested of an inbound change set."""
    with app.uow(read_only=True) as uow:
        return [d.id for d in uow.deployments.of_inbound(inbound_id)]


def all_final(app: App, ids: dict[int, int]) -> bool:
    with app.uow(read_only=True) as uow:
        return all((d := uow.deployments.get(i)) is not None and d.status.is_final for i in ids)
