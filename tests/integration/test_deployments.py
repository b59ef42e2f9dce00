"""Validation, deployment, conflicts, tests, quick deploy, rollback and cancel, on SQLite and
PostgreSQL (docs/model.md, "Validation and deployment"). Reference scenario:
tests.helpers_metadata.family."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from changeway.bootstrap import App
from changeway.domain.components import Component
from changeway.domain.deployments import DeploymentKind, DeploymentStatus
from changeway.domain.deployments import TestLevel as Level
from changeway.domain.errors import NotFound, Refused
from changeway.domain.jobs import JobStatus
from changeway.domain.testing import RunStatus
from changeway.domain.testing import TestRun as Run
from changeway.services import compare, deployments
from changeway.services.deployments import RUN_JOB, RunDeployment
from tests.helpers import ACTOR, user
from tests.helpers_metadata import (
    CLASSES,
    Family,
    apex,
    audit_actions,
    change_set,
    contents,
    deploy,
    family,
    files,
    get,
    head,
    inbound_list,
    key,
    outcomes,
    put,
    request,
    run,
)

REPO = Path(__file__).resolve().parents[2]
LINT_RUNNER = f"{sys.executable} {REPO / 'docs' / 'examples' / 'apex_test_lint_runner.py'}"


@pytest.fixture
def fam(app: App) -> Family:
    return family(app)


def history(app: App, org: str) -> list[deployments.Deployment]:
    return deployments.list_deployments(app, actor=user(app), org=org).items


def dev_release(app: App, name: str = "CS1") -> None:
    """Dev changes A, adds C and deletes B; a change set brings that (and U, unchanged) to Test,
    with deletions of B and of Gone, which no org has."""
    put(app, "Dev", [apex("A", "class A { /* v2 */ }"), apex("C")], delete=["ApexClass:B"])
    change_set(
        app,
        "Dev",
        name,
        "ApexClass:A",
        "ApexClass:C",
        "ApexClass:U",
        target="Test",
        deletions=["ApexClass:B", "ApexClass:Gone"],
    )


# --- validate ------------------------------------------------------------------------------


def test_validate_changes_nothing_and_records_the_head_it_checked(app: App, fam: Family) -> None:
    dev_release(app)
    before = head(app, "Test")
    d = deploy(app, "Test", "CS1", check_only=True)
    assert d.kind is DeploymentKind.VALIDATION
    assert d.status is DeploymentStatus.SUCCEEDED
    assert head(app, "Test") == before
    assert d.base_version_id == before.id
    assert d.result_version_id is None
    assert outcomes(d)["ApexClass:A"] == "changed"


def test_validate_leaves_the_inbound_change_set_awaiting(app: App, fam: Family) -> None:
    dev_release(app)
    deploy(app, "Test", "CS1", check_only=True)
    assert inbound_list(app, "Test")[0].status.value == "awaiting_deployment"


def test_validate_fails_on_a_conflict_without_writing(app: App, fam: Family) -> None:
    dev_release(app)
    put(app, "Test", [apex("A", "class A { /* hotfix */ }")])
    before = head(app, "Test")
    d = deploy(app, "Test", "CS1", check_only=True)
    assert d.status is DeploymentStatus.FAILED
    assert head(app, "Test") == before


# --- deploy --------------------------------------------------------------------------------


def test_deploy_reports_created_changed_unchanged_deleted_and_already_absent(
    app: App, fam: Family
) -> None:
    dev_release(app)
    d = deploy(app, "Test", "CS1")
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert outcomes(d) == {
        "ApexClass:A": "changed",
        "ApexClass:B": "deleted",
        "ApexClass:C": "created",
        "ApexClass:U": "unchanged",
        "ApexClass:Gone": "already_absent",
    }


def test_deploy_applies_every_component_in_one_new_version(app: App, fam: Family) -> None:
    dev_release(app)
    before = head(app, "Test")
    d = deploy(app, "Test", "CS1")
    after = head(app, "Test")
    assert (after.parent_id, after.number, after.id) == (
        before.id,
        before.number + 1,
        d.result_version_id,
    )
    assert sorted(str(k) for k in contents(app, "Test")) == [
        "ApexClass:A",
        "ApexClass:C",
        "ApexClass:U",
    ]
    assert contents(app, "Test")[key("ApexClass:A")] == contents(app, "Dev")[key("ApexClass:A")]


def test_deploy_marks_the_inbound_change_set_deployed(app: App, fam: Family) -> None:
    dev_release(app)
    deploy(app, "Test", "CS1")
    found = inbound_list(app, "Test")[0]
    assert found.status.value == "deployed"
    assert found.deployed_at == app.clock.now()


def test_deploy_is_all_or_nothing_when_one_component_is_malformed(app: App, fam: Family) -> None:
    broken = Component(
        "ApexClass",
        "Broken",
        {
            "force-app/main/default/classes/Broken.cls": b"class Broken {}",
            f"{CLASSES}/Broken.cls-meta.xml": b"<ApexClass>\n<oops></ApexClass>",
        },
    )
    put(app, "Dev", [apex("A", "class A { /* v2 */ }"), broken])
    change_set(app, "Dev", "CS1", "ApexClass:A", "ApexClass:Broken", target="Test")
    before = head(app, "Test")
    d = deploy(app, "Test", "CS1")
    assert d.status is DeploymentStatus.FAILED
    failed = next(r for r in d.components if str(r.key) == "ApexClass:Broken")
    assert failed.outcome.value == "failed"
    assert failed.path == "force-app/main/default/classes/Broken.cls-meta.xml"
    assert failed.line is not None
    assert failed.problem
    assert "ApexClass:Broken" in (d.error or "")
    assert head(app, "Test") == before
    assert inbound_list(app, "Test")[0].status.value == "awaiting_deployment"


def test_deploying_into_an_unknown_org_is_refused(app: App, fam: Family) -> None:
    dev_release(app)
    with pytest.raises(NotFound, match="Nowhere"):
        request(app, "Nowhere", "CS1")


# --- conflicts -----------------------------------------------------------------------------


def test_a_hotfix_in_the_target_is_a_conflict_and_nothing_is_written(app: App, fam: Family) -> None:
    dev_release(app)
    put(app, "Test", [apex("A", "class A { /* hotfix */ }")])
    before = head(app, "Test")
    d = deploy(app, "Test", "CS1")
    assert d.status is DeploymentStatus.FAILED
    conflict = next(r for r in d.components if str(r.key) == "ApexClass:A")
    assert conflict.outcome.value == "failed"
    assert "conflict: changed in the target" in (conflict.problem or "")
    assert "ApexClass:A: conflict" in (d.error or "")
    assert head(app, "Test") == before


def test_a_conflict_is_overwritten_with_allow_overwrite_and_a_reason(app: App, fam: Family) -> None:
    dev_release(app)
    put(app, "Test", [apex("A", "class A { /* hotfix */ }")])
    d = deploy(app, "Test", "CS1", allow_overwrite=True, reason="hotfix is in v2 too")
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert outcomes(d)["ApexClass:A"] == "changed"
    assert contents(app, "Test")[key("ApexClass:A")] == contents(app, "Dev")[key("ApexClass:A")]


def test_an_overwrite_records_its_reason_and_the_overwritten_components_in_the_audit(
    app: App, fam: Family
) -> None:
    dev_release(app)
    put(app, "Test", [apex("A", "class A { /* hotfix */ }")])
    d = deploy(app, "Test", "CS1", allow_overwrite=True, reason="hotfix is in v2 too")
    (event,) = [e for e in audit_actions(app, "Test") if e.action == "deployment.succeeded"]
    assert event.details["deployment"] == d.id
    assert event.details["overwrite_reason"] == "hotfix is in v2 too"
    assert event.details["overwritten"] == ["ApexClass:A"]


def test_allow_overwrite_without_a_reason_is_refused_and_nothing_is_queued(
    app: App, fam: Family
) -> None:
    dev_release(app)
    with pytest.raises(Refused, match="overwriting conflicts needs a reason"):
        request(app, "Test", "CS1", allow_overwrite=True, reason="  ")
    assert history(app, "Test") == []


def test_a_reason_without_allow_overwrite_is_refused(app: App, fam: Family) -> None:
    dev_release(app)
    with pytest.raises(Refused, match="a reason goes with allowing overwrites"):
        request(app, "Test", "CS1", reason="why not")
    assert history(app, "Test") == []


def test_promotions_dev_to_test_to_prod_are_fast_forwards_not_conflicts(
    app: App, fam: Family
) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "R1", "ApexClass:A", target="Test")
    assert deploy(app, "Test", "R1").status is DeploymentStatus.SUCCEEDED
    change_set(app, "Test", "R1-prod", "ApexClass:A", target="Prod")
    d = deploy(app, "Prod", "R1-prod")
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert contents(app, "Prod")[key("ApexClass:A")] == contents(app, "Dev")[key("ApexClass:A")]


def test_a_second_dev_change_promoted_again_is_not_a_conflict(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "R1", "ApexClass:A", target="Test")
    deploy(app, "Test", "R1")
    change_set(app, "Test", "R1-prod", "ApexClass:A", target="Prod")
    deploy(app, "Prod", "R1-prod")
    put(app, "Dev", [apex("A", "class A { /* v3 */ }")])
    change_set(app, "Dev", "R2", "ApexClass:A", target="Test")
    assert deploy(app, "Test", "R2").status is DeploymentStatus.SUCCEEDED
    change_set(app, "Test", "R2-prod", "ApexClass:A", target="Prod")
    d = deploy(app, "Prod", "R2-prod")
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert files(app, "Prod", "ApexClass:A")["force-app/main/default/classes/A.cls"] == (  # type: ignore[index]
        b"class A { /* v3 */ }"
    )


# --- test levels and runners ---------------------------------------------------------------

NO_ASSERT = "@isTest\nprivate class ATest {\n    @isTest static void runs() { Integer x = 1; }\n}\n"
WITH_ASSERT = (
    "@isTest\nprivate class ATest {\n"
    "    @isTest static void runs() { Integer x = 1; System.assertEquals(1, x); }\n}\n"
)


def to_prod(app: App, body: str) -> None:
    put(app, "Test", [apex("ATest", body)])
    change_set(app, "Test", "CS1", "ApexClass:ATest", target="Prod")


def lint_handlers(app: App) -> dict:  # type: ignore[type-arg]
    from changeway.adapters.runners.command import CommandTestRunner

    return {**app.handlers, RUN_JOB: RunDeployment(test_runner=CommandTestRunner(LINT_RUNNER))}


def test_no_test_run_is_refused_in_production(app: App, fam: Family) -> None:
    to_prod(app, WITH_ASSERT)
    with pytest.raises(Refused, match=r"no_test_run is not allowed in production \(Prod\)"):
        request(app, "Prod", "CS1", test_level=Level.NO_TEST_RUN)
    assert history(app, "Prod") == []


def test_run_specified_tests_without_names_is_refused(app: App, fam: Family) -> None:
    to_prod(app, WITH_ASSERT)
    with pytest.raises(Refused, match="run_specified_tests needs the names of the tests"):
        request(app, "Prod", "CS1", test_level=Level.RUN_SPECIFIED_TESTS)
    assert history(app, "Prod") == []


def test_default_level_in_production_runs_local_tests_and_says_no_runner_is_configured(
    app: App, fam: Family
) -> None:
    to_prod(app, WITH_ASSERT)
    d = deploy(app, "Prod", "CS1")
    assert d.status is DeploymentStatus.SUCCEEDED
    assert d.tests_result["level"] == "run_local_tests"
    assert d.tests_result["status"] == "not_run"
    assert d.tests_result["message"] == "no test runner configured"
    assert "passed" not in str(d.tests_result)


def test_default_level_in_a_sandbox_runs_no_tests(app: App, fam: Family) -> None:
    dev_release(app)
    d = deploy(app, "Test", "CS1")
    assert (d.tests_result["level"], d.tests_result["status"]) == ("no_test_run", "not_run")


def test_a_test_class_without_assertions_fails_the_deployment_naming_the_test(
    app: App, fam: Family
) -> None:
    to_prod(app, NO_ASSERT)
    before = head(app, "Prod")
    d = deploy(app, "Prod", "CS1", handlers=lint_handlers(app))
    assert d.status is DeploymentStatus.FAILED
    assert d.tests_result["status"] == "failed"
    assert [(t["class"], t["name"], t["outcome"]) for t in d.tests_result["tests"]] == [
        ("ATest", "runs", "failed")
    ]
    assert d.error == "tests failed: 1 of 1 tests failed"
    assert head(app, "Prod") == before


def test_a_test_class_with_assertions_passes_and_deploys(app: App, fam: Family) -> None:
    to_prod(app, WITH_ASSERT)
    d = deploy(app, "Prod", "CS1", handlers=lint_handlers(app))
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert d.tests_result["status"] == "passed"
    assert d.tests_result["message"] == "1 tests passed"
    assert key("ApexClass:ATest") in contents(app, "Prod")


def test_run_specified_tests_gives_the_runner_only_the_named_tests(app: App, fam: Family) -> None:
    put(
        app,
        "Test",
        [apex("ATest", WITH_ASSERT), apex("BTest", NO_ASSERT.replace("ATest", "BTest"))],
    )
    change_set(app, "Test", "CS1", "ApexClass:ATest", "ApexClass:BTest", target="Prod")
    d = deploy(
        app,
        "Prod",
        "CS1",
        test_level=Level.RUN_SPECIFIED_TESTS,
        tests=["ATest"],
        handlers=lint_handlers(app),
    )
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert [t["class"] for t in d.tests_result["tests"]] == ["ATest"]


# --- quick deploy --------------------------------------------------------------------------


def validate(app: App, ref: str = "CS1", org: str = "Test") -> deployments.Deployment:
    d = deploy(app, org, ref, check_only=True)
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    return d


def quick(app: App, validation_id: int) -> deployments.Deployment:
    return deployments.quick_deploy(app, actor=user(app), deployment_id=validation_id)


def test_quick_deploy_of_a_recent_validation_applies_it(app: App, fam: Family) -> None:
    dev_release(app)
    v = validate(app)
    app.clock.advance(days=9)  # type: ignore[attr-defined]
    d, _ = run(app, quick(app, v.id))
    assert d.kind is DeploymentKind.QUICK_DEPLOY
    assert d.status is DeploymentStatus.SUCCEEDED, d.error
    assert d.validation_id == v.id
    assert head(app, "Test").id == d.result_version_id
    assert contents(app, "Test")[key("ApexClass:C")] == contents(app, "Dev")[key("ApexClass:C")]


def test_quick_deploy_is_refused_after_ten_days(app: App, fam: Family) -> None:
    dev_release(app)
    v = validate(app)
    app.clock.advance(days=10, seconds=1)  # type: ignore[attr-defined]
    with pytest.raises(Refused, match=f"validation {v.id} is older than 10 days; validate again"):
        quick(app, v.id)
    assert [d.id for d in history(app, "Test")] == [v.id]


def test_quick_deploy_is_refused_after_another_deployment_moved_the_head(
    app: App, fam: Family
) -> None:
    dev_release(app)
    v = validate(app)
    put(app, "Dev", [apex("Other")])
    change_set(app, "Dev", "CS2", "ApexClass:Other", target="Test")
    deploy(app, "Test", "CS2")
    before = head(app, "Test")
    with pytest.raises(Refused, match=f"Test has changed since validation {v.id}"):
        quick(app, v.id)
    assert head(app, "Test") == before


def test_a_queued_quick_deploy_fails_when_the_head_moves_before_it_runs(
    app: App, fam: Family
) -> None:
    dev_release(app)
    v = validate(app)
    q = quick(app, v.id)
    moved = put(app, "Test", [apex("Other")])
    d, job = run(app, q)
    assert d.status is DeploymentStatus.FAILED
    assert "has changed since validation" in (job.error or "")
    assert head(app, "Test") == moved


def test_quick_deploy_of_a_failed_validation_is_refused(app: App, fam: Family) -> None:
    dev_release(app)
    put(app, "Test", [apex("A", "class A { /* hotfix */ }")])
    v = deploy(app, "Test", "CS1", check_only=True)
    assert v.status is DeploymentStatus.FAILED
    with pytest.raises(Refused, match=f"validation {v.id} failed; only a successful one"):
        quick(app, v.id)


def test_quick_deploy_of_a_deployment_is_refused(app: App, fam: Family) -> None:
    dev_release(app)
    d = deploy(app, "Test", "CS1")
    with pytest.raises(Refused, match=f"deployment {d.id} is a deployment, not a validation"):
        quick(app, d.id)


# --- rollback ------------------------------------------------------------------------------


def roll_back(app: App, deployment_id: int, **options: object) -> deployments.Deployment:
    d = deployments.rollback(app, actor=user(app), deployment_id=deployment_id, **options)
    return run(app, d)[0]


def test_rollback_restores_exactly_what_the_deployment_touched(app: App, fam: Family) -> None:
    dev_release(app)
    before = head(app, "Test")
    d = deploy(app, "Test", "CS1")
    r = roll_back(app, d.id)
    assert r.kind is DeploymentKind.ROLLBACK
    assert r.status is DeploymentStatus.SUCCEEDED, r.error
    diff = compare.compare(app, actor=user(app), a=f"Test@{before.number}", b="Test")
    assert (diff.added, diff.changed, diff.deleted) == ([], [], [])
    assert head(app, "Test").number == before.number + 2


def test_rollback_of_a_component_changed_since_is_a_conflict(app: App, fam: Family) -> None:
    dev_release(app)
    d = deploy(app, "Test", "CS1")
    moved = put(app, "Test", [apex("C", "class C { /* changed in Test */ }")])
    r = roll_back(app, d.id)
    assert r.status is DeploymentStatus.FAILED
    assert "ApexClass:C: conflict" in (r.error or "")
    assert head(app, "Test") == moved


def test_rollback_of_a_validation_is_refused(app: App, fam: Family) -> None:
    dev_release(app)
    v = validate(app)
    with pytest.raises(Refused, match="only a successful deployment can be rolled back"):
        roll_back(app, v.id)


# --- cancel --------------------------------------------------------------------------------


def cancel(app: App, deployment_id: int) -> deployments.Deployment:
    return deployments.cancel(app, actor=user(app), deployment_id=deployment_id)


def test_cancel_while_queued_is_immediate_and_the_org_is_unchanged(app: App, fam: Family) -> None:
    dev_release(app)
    before = head(app, "Test")
    d = request(app, "Test", "CS1")
    canceled = cancel(app, d.id)
    assert canceled.status is DeploymentStatus.CANCELED
    from changeway.services.jobs import get_job

    with app.uow() as uow:
        assert get_job(uow, d.job_id or 0).status is JobStatus.CANCELED
    from tests.helpers import run_jobs

    assert run_jobs(app) == []
    assert head(app, "Test") == before


def test_cancel_of_a_finished_deployment_is_refused(app: App, fam: Family) -> None:
    dev_release(app)
    d = deploy(app, "Test", "CS1")
    with pytest.raises(
        Refused, match=f"deployment {d.id} is succeeded; there is nothing to cancel"
    ):
        cancel(app, d.id)


class CancelingRunner:
    """A test runner during which a user cancels the deployment (from another transaction)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.deployment_id = 0
        self.seen: str | None = None

    def run(self, project: Path, *, level: str, tests: list[str]) -> Run:
        self.seen = cancel(self.app, self.deployment_id).status.value
        return Run(RunStatus.PASSED, "1 tests passed", level)


def test_cancel_while_running_goes_through_canceling_to_canceled(app: App, fam: Family) -> None:
    dev_release(app)
    before = head(app, "Test")
    runner = CancelingRunner(app)
    d = request(app, "Test", "CS1", test_level=Level.RUN_LOCAL_TESTS)
    runner.deployment_id = d.id
    done, job = run(app, d, {**app.handlers, RUN_JOB: RunDeployment(test_runner=runner)})
    assert runner.seen == "canceling"
    assert done.status is DeploymentStatus.CANCELED
    assert job.status is JobStatus.CANCELED
    assert head(app, "Test") == before
    assert inbound_list(app, "Test")[0].status.value == "awaiting_deployment"


class MeddlingRunner:
    """A test runner during which someone changes the target directly."""

    def __init__(self, app: App) -> None:
        self.app = app

    def run(self, project: Path, *, level: str, tests: list[str]) -> Run:
        put(self.app, "Test", [apex("Meanwhile")])
        return Run(RunStatus.PASSED, "1 tests passed", level)


def test_a_change_to_the_target_while_deploying_fails_it_cleanly(app: App, fam: Family) -> None:
    dev_release(app)
    d = request(app, "Test", "CS1", test_level=Level.RUN_LOCAL_TESTS)
    done, job = run(
        app, d, {**app.handlers, RUN_JOB: RunDeployment(test_runner=MeddlingRunner(app))}
    )
    assert done.status is DeploymentStatus.FAILED
    assert "Test changed while the deployment ran; nothing was applied" in (job.error or "")
    assert key("ApexClass:C") not in contents(app, "Test")
    assert key("ApexClass:Meanwhile") in contents(app, "Test")


# --- preview and history -------------------------------------------------------------------


def test_preview_tells_what_would_change_without_changing_anything(app: App, fam: Family) -> None:
    dev_release(app)
    before = head(app, "Test")
    p = deployments.preview(app, actor=user(app), org="Test", ref="CS1")
    assert {str(r.key): r.outcome.value for r in p.results} == {
        "ApexClass:A": "changed",
        "ApexClass:B": "deleted",
        "ApexClass:C": "created",
        "ApexClass:U": "unchanged",
        "ApexClass:Gone": "already_absent",
    }
    assert any("v2" in f.diff for f in p.diffs[key("ApexClass:A")])
    assert head(app, "Test") == before
    assert history(app, "Test") == []


def test_history_lists_every_validation_and_deployment_with_who_outcome_and_timings(
    app: App, fam: Family
) -> None:
    dev_release(app)
    v = deploy(app, "Test", "CS1", check_only=True)
    d = deploy(app, "Test", "CS1")
    listed = history(app, "Test")
    assert [(x.id, x.kind, x.status, x.created_by) for x in listed] == [
        (v.id, DeploymentKind.VALIDATION, DeploymentStatus.SUCCEEDED, ACTOR),
        (d.id, DeploymentKind.DEPLOYMENT, DeploymentStatus.SUCCEEDED, ACTOR),
    ]
    assert all(x.finished_at and x.started_at and "total_s" in x.timings for x in listed)
    assert history(app, "Dev") == []


def test_a_deployment_is_read_back_with_its_component_results(app: App, fam: Family) -> None:
    dev_release(app)
    d = deploy(app, "Test", "CS1")
    assert get(app, d.id).components == d.components
    assert len(d.components) == 5
