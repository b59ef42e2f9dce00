"""A deployment checks again, in its final transaction, that its target is the same live org
and that the change set's upload still stands; a rollback obeys every rule of a deployment
(docs/model.md, "Validation and deployment" and "Change sets")."""

from __future__ import annotations

from pathlib import Path

import pytest

from changeway.bootstrap import App
from changeway.domain.deployments import DeploymentStatus
from changeway.domain.deployments import TestLevel as Level
from changeway.domain.errors import NotAuthorized, PermissionDenied, Refused
from changeway.domain.permissions import Permission
from changeway.domain.testing import RunStatus
from changeway.domain.testing import TestRun as Run
from changeway.services import deployments
from changeway.services.deployments import RUN_JOB, RunDeployment
from tests.helpers import activate, allow, refresh, request_delete, revoke, user
from tests.helpers_metadata import (
    Family,
    apex,
    change_set,
    contents,
    deploy,
    family,
    get,
    head,
    key,
    put,
    request,
    run,
)


@pytest.fixture
def fam(app: App) -> Family:
    """The reference family; Dev uploaded change set CS1 (a new class C) to Test."""
    made = family(app)
    put(app, "Dev", [apex("C")])
    change_set(app, "Dev", "CS1", "ApexClass:C", target="Test")
    return made


def versions_of(app: App, org_id: str) -> int:
    with app.uow() as uow:
        return len(uow.metadata.versions(org_id))


class Meddling:
    """A test runner that does something to the family while the tests run."""

    def __init__(self, meddle: object) -> None:
        self.meddle = meddle

    def run(self, project: Path, *, level: str, tests: list[str]) -> Run:
        self.meddle()  # type: ignore[operator]
        return Run(RunStatus.PASSED, "1 tests passed", level)


def meddling(app: App, meddle: object) -> dict:  # type: ignore[type-arg]
    return {**app.handlers, RUN_JOB: RunDeployment(test_runner=Meddling(meddle))}


# --- the target is the same live org -------------------------------------------------------


def test_a_queued_deployment_whose_target_was_refreshed_fails_and_writes_nothing(
    app: App, fam: Family
) -> None:
    d = request(app, "Test", "CS1")
    app.clock.advance(days=1)  # type: ignore[attr-defined]
    refresh(app, "Test")
    activate(app, "Test")
    old_versions = versions_of(app, fam.test.id)
    done, job = run(app, d)
    assert done.status is DeploymentStatus.FAILED
    assert "Test was refreshed since the deployment was requested; nothing was applied" in (
        job.error or ""
    )
    assert versions_of(app, fam.test.id) == old_versions
    assert key("ApexClass:C") not in contents(app, "Test")


def test_a_queued_quick_deploy_whose_target_is_being_deleted_fails_and_writes_nothing(
    app: App, fam: Family
) -> None:
    validation = deploy(app, "Test", "CS1", check_only=True)
    assert validation.status is DeploymentStatus.SUCCEEDED
    quick = deployments.quick_deploy(app, actor=user(app), deployment_id=validation.id)
    request_delete(app, "Test")
    before = versions_of(app, fam.test.id)
    done, job = run(app, quick)
    assert done.status is DeploymentStatus.FAILED
    assert "Test was deleted since the deployment was requested" in (job.error or "")
    assert versions_of(app, fam.test.id) == before


def test_a_quick_deploy_into_a_deleted_org_is_refused(app: App, fam: Family) -> None:
    validation = deploy(app, "Test", "CS1", check_only=True)
    request_delete(app, "Test")
    with pytest.raises(Refused, match="cannot quick-deploy into Test: it is deleting"):
        deployments.quick_deploy(app, actor=user(app), deployment_id=validation.id)


def test_a_target_deleted_while_the_tests_run_fails_the_deployment_in_its_final_transaction(
    app: App, fam: Family
) -> None:
    d = request(app, "Test", "CS1", test_level=Level.RUN_LOCAL_TESTS)
    done, job = run(app, d, meddling(app, lambda: request_delete(app, "Test")))
    assert done.status is DeploymentStatus.FAILED
    assert "Test was deleted since the deployment was requested" in (job.error or "")
    assert job.error_code == "refused"
    with app.uow() as uow:
        target = uow.orgs.get(fam.test.id)
    assert target is not None and target.head_version_id == head_of(app, fam.test.id)


def head_of(app: App, org_id: str) -> int | None:
    with app.uow() as uow:
        versions = uow.metadata.versions(org_id)
    return versions[-1].id


# --- the upload still stands ---------------------------------------------------------------


def test_a_revoked_path_blocks_deploying_what_came_along_it_until_allowed_again(
    app: App, fam: Family
) -> None:
    revoke(app, "Test", "Dev")
    with pytest.raises(NotAuthorized) as refused:
        request(app, "Test", "CS1")
    assert str(refused.value) == (
        "inbound change set 'CS1' cannot be deployed: Test no longer allows inbound changes"
        " from Dev, the path it was uploaded along; an admin of Test can allow it again"
    )
    assert refused.value.details["rule"] == "path_revoked"
    with pytest.raises(NotAuthorized):
        request(app, "Test", "CS1", check_only=True)
    assert deployments.list_deployments(app, actor=user(app), org="Test").items == []
    allow(app, "Test", "Dev")
    assert deploy(app, "Test", "CS1").status is DeploymentStatus.SUCCEEDED


def test_a_path_revoked_while_a_deployment_is_queued_fails_it(app: App, fam: Family) -> None:
    d = request(app, "Test", "CS1")
    revoke(app, "Test", "Dev")
    done, job = run(app, d)
    assert done.status is DeploymentStatus.FAILED
    assert "Test no longer allows inbound changes from Dev" in (job.error or "")
    assert job.error_code == "not_authorized"
    assert key("ApexClass:C") not in contents(app, "Test")


def test_a_path_revoked_while_the_tests_run_fails_the_deployment_in_its_final_transaction(
    app: App, fam: Family
) -> None:
    before = head(app, "Test")
    d = request(app, "Test", "CS1", test_level=Level.RUN_LOCAL_TESTS)
    done, job = run(app, d, meddling(app, lambda: revoke(app, "Test", "Dev")))
    assert done.status is DeploymentStatus.FAILED
    assert "no longer allows inbound changes from Dev" in (job.error or "")
    assert head(app, "Test") == before


# --- a rollback is a deployment ------------------------------------------------------------


def test_a_rollback_may_not_delete_a_class_still_used(app: App, fam: Family) -> None:
    d = deploy(app, "Test", "CS1")
    assert d.status is DeploymentStatus.SUCCEEDED
    used = put(app, "Test", [apex("UsesC", "public class UsesC { public C helper; }")])
    r = run(app, deployments.rollback(app, actor=user(app), deployment_id=d.id))[0]
    assert r.status is DeploymentStatus.FAILED
    problems = {str(c.key): c.problem for c in r.components if c.problem}
    assert (problems["ApexClass:C"] or "").startswith(
        "cannot delete: still used by ApexClass:UsesC"
    )
    assert head(app, "Test") == used


def to_prod(app: App) -> deployments.Deployment:
    put(app, "Test", [apex("P")])
    change_set(app, "Test", "ToProd", "ApexClass:P", target="Prod")
    d = deploy(app, "Prod", "ToProd")
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    return d


def test_a_rollback_in_production_may_not_skip_tests(app: App, fam: Family) -> None:
    d = to_prod(app)
    before = head(app, "Prod")
    with pytest.raises(Refused, match=r"no_test_run is not allowed in production \(Prod\)"):
        deployments.rollback(app, actor=user(app), deployment_id=d.id, test_level=Level.NO_TEST_RUN)
    r = run(app, deployments.rollback(app, actor=user(app), deployment_id=d.id))[0]
    assert r.status is DeploymentStatus.SUCCEEDED, r.error
    assert r.tests_result["level"] == "run_local_tests"
    assert head(app, "Prod").number == before.number + 1


def test_a_rollback_fails_when_its_tests_fail(app: App, fam: Family) -> None:
    d = to_prod(app)
    before = head(app, "Prod")

    class Failing:
        def run(self, project: Path, *, level: str, tests: list[str]) -> Run:
            return Run(RunStatus.FAILED, "1 of 1 tests failed", level)

    rollback = deployments.rollback(app, actor=user(app), deployment_id=d.id)
    r, job = run(app, rollback, {**app.handlers, RUN_JOB: RunDeployment(test_runner=Failing())})
    assert r.status is DeploymentStatus.FAILED
    assert job.error_code == "tests_failed"
    assert head(app, "Prod") == before


def test_a_rollback_needs_deploy_change_sets_in_the_target(app: App, fam: Family) -> None:
    d = deploy(app, "Test", "CS1")
    viewer = user(app, "viewer", admin=False, grants={"Test": [Permission.VIEW_SETUP]})
    with pytest.raises(PermissionDenied, match="deploy_change_sets"):
        deployments.rollback(app, actor=viewer, deployment_id=d.id)
    assert get(app, d.id).status is DeploymentStatus.SUCCEEDED


# --- no write lock across checks; test names -----------------------------------------------


def test_a_deployment_checking_its_dependencies_leaves_other_writers_free(
    app: App, fam: Family, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers elsewhere are never locked out while a deployment checks (a paused worker
    would otherwise hold SQLite's write lock); on PostgreSQL a writer of another org never
    waits either."""
    from changeway.services import deployments as module

    checked = module.missing_dependencies
    wrote: list[str] = []

    def meanwhile(*args: object, **kwargs: object) -> object:
        wrote.append(str(put(app, "Dev", [apex("Elsewhere")], reason="meanwhile").number))
        return checked(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "missing_dependencies", meanwhile)
    if app.engine.dialect.name == "sqlite":
        import sqlalchemy as sa

        @sa.event.listens_for(app.engine, "connect")
        def _short_wait(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout=1000")  # type: ignore[attr-defined]

        app.engine.dispose()
    d = deploy(app, "Test", "CS1")
    assert wrote, "the dependency check did not run"
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert key("ApexClass:Elsewhere") in contents(app, "Dev")


def test_repeated_tests_options_and_commas_are_all_kept(app: App, fam: Family, cw) -> None:  # type: ignore[no-untyped-def]
    import json

    put(app, "Test", [apex("ATest"), apex("BTest"), apex("CTest")])
    change_set(app, "Test", "ToProd", "ApexClass:ATest", target="Prod")
    result = cw(
        "inbound",
        "validate",
        "Prod",
        "ToProd",
        "--test-level",
        "run_specified_tests",
        "--tests",
        "ATest",
        "--tests",
        "BTest, CTest",
        "--no-wait",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tests"] == ["ATest", "BTest", "CTest"]
