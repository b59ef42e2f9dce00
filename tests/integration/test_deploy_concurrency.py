"""Several deployments into one org at once serialize: one at a time, each on the previous
result, none lost (docs/model.md, "Validation and deployment": one deployment at a time per
target org; others queue)."""

from __future__ import annotations

import threading

from changeway.bootstrap import App
from changeway.domain.components import ComponentKey
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.jobs import Job
from changeway.services.jobs import wait_for
from tests.helpers_metadata import apex, change_set, contents, family, get, head, put, request

DEPLOYMENTS = 4


def test_concurrent_deployments_into_one_org_serialize_without_lost_updates(app: App) -> None:
    family(app)
    put(app, "Dev", [apex(f"K{i}") for i in range(DEPLOYMENTS)])
    for i in range(DEPLOYMENTS):
        change_set(app, "Dev", f"CS{i}", f"ApexClass:K{i}", target="Test")
    start = head(app, "Test")
    queued = [request(app, "Test", f"CS{i}") for i in range(DEPLOYMENTS)]

    ended: dict[int, Job] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(DEPLOYMENTS)

    def work(job_id: int) -> None:
        try:
            barrier.wait()
            ended[job_id] = wait_for(
                job_id,
                uow_factory=app.uow,
                clock=app.clock,
                worker=f"thread-{job_id}",
                handlers=app.handlers,
                poll_seconds=0.02,
                timeout_seconds=60,
            )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(d.job_id,)) for d in queued]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors

    results = [get(app, d.id) for d in queued]
    assert [r.status for r in results] == [DeploymentStatus.SUCCEEDED] * DEPLOYMENTS, [
        r.error for r in results
    ]
    with app.uow() as uow:
        chain = [uow.metadata.get_version(r.result_version_id or 0) for r in results]
    parents = [v.parent_id for v in chain if v]
    # in queue order, each result version sits on the previous one: no two ran on one base
    assert parents == [start.id] + [r.result_version_id for r in results[:-1]]
    assert head(app, "Test").id == results[-1].result_version_id
    final = contents(app, "Test")
    assert all(ComponentKey("ApexClass", f"K{i}") in final for i in range(DEPLOYMENTS))
    assert head(app, "Test").number == start.number + DEPLOYMENTS


def test_a_deployment_waits_while_an_earlier_one_into_the_same_org_is_unfinished(
    app: App,
) -> None:
    family(app)
    put(app, "Dev", [apex("K0"), apex("K1")])
    change_set(app, "Dev", "CS0", "ApexClass:K0", target="Test")
    change_set(app, "Dev", "CS1", "ApexClass:K1", target="Test")
    first = request(app, "Test", "CS0")
    second = request(app, "Test", "CS1")
    from changeway.services.jobs import run_next
    from tests.helpers import WORKER

    blocked = run_next(
        app.uow, clock=app.clock, worker=WORKER, handlers=app.handlers, job_id=second.job_id
    )
    assert blocked is None
    assert get(app, second.id).status is DeploymentStatus.PENDING
    assert get(app, first.id).status is DeploymentStatus.PENDING
