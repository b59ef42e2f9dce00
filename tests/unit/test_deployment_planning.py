"""Pure deployment planning: change sets against a target, rollbacks, test levels, quick
deploy eligibility, component selection and limits (docs/model.md, "Change sets" and
"Validation and deployment")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from changeway.domain.changesets import (
    Action,
    ChangeSet,
    ChangeSetStatus,
    InboundChangeSet,
    InboundStatus,
    Item,
    Limits,
    Phase,
    check_limits,
    expand,
    require_deployable,
)
from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import Reference
from changeway.domain.deployments import (
    ComponentResult,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Outcome,
    effective_test_level,
    plan_change_set,
    plan_rollback,
    require_live_target,
    require_quick_deployable,
    with_dependency_failures,
)
from changeway.domain.deployments import (
    TestLevel as Level,
)
from changeway.domain.errors import NotAuthorized, Refused
from changeway.domain.orgs import Org, OrgKind, OrgStatus

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A, B, C = (
    ComponentKey("ApexClass", "A"),
    ComponentKey("ApexClass", "B"),
    ComponentKey("ApexClass", "C"),
)


def org(
    kind: OrgKind = OrgKind.PRODUCTION, *, head: int | None = 7, status=OrgStatus.ACTIVE
) -> Org:
    return Org(
        id="o1",
        name="Prod" if kind is OrgKind.PRODUCTION else "Dev",
        kind=kind,
        production_id="o1",
        status=status,
        created_at=NOW,
        head_version_id=head,
    )


def lookup(state: dict[ComponentKey, str]):  # type: ignore[no-untyped-def]
    return state.get


def upsert(k: ComponentKey, content: str, *known: str) -> Item:
    return Item(k, content=content, known=tuple(known) or (content,))


# --- plan_change_set -----------------------------------------------------------------------


def test_plan_creates_a_component_the_target_lacks() -> None:
    plan = plan_change_set({A: upsert(A, "a2")}, lookup({}), allow_overwrite=False)
    assert [(r.key, r.outcome) for r in plan.results] == [(A, Outcome.CREATED)]
    assert plan.changes == {A: "a2"}


def test_plan_changes_a_component_the_target_holds_in_a_known_state() -> None:
    plan = plan_change_set(
        {A: upsert(A, "a2", "a1", "a2")}, lookup({A: "a1"}), allow_overwrite=False
    )
    (result,) = plan.results
    assert (result.outcome, result.before, result.after) == (Outcome.CHANGED, "a1", "a2")
    assert not plan.conflicts


def test_plan_leaves_an_identical_component_unchanged_and_out_of_the_changes() -> None:
    plan = plan_change_set({A: upsert(A, "a1")}, lookup({A: "a1"}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.UNCHANGED
    assert plan.changes == {}


def test_plan_deletes_a_present_component_in_a_state_the_source_knew() -> None:
    item = Item(A, Action.DELETE, Phase.PRE, known=("a1",))
    plan = plan_change_set({A: item}, lookup({A: "a1"}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.DELETED
    assert plan.changes == {A: None}


def test_plan_deleting_a_component_in_a_state_the_source_never_saw_is_a_conflict() -> None:
    item = Item(A, Action.DELETE, Phase.PRE, known=("a1",))
    plan = plan_change_set({A: item}, lookup({A: "hotfix"}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.FAILED
    assert plan.changes == {}


def test_plan_deleting_a_component_the_source_never_had_is_clean_up_not_a_conflict() -> None:
    item = Item(A, Action.DELETE, Phase.PRE, known=())
    plan = plan_change_set({A: item}, lookup({A: "stale"}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.DELETED
    assert plan.conflicts == []
    assert plan.changes == {A: None}


def test_plan_deleting_an_absent_component_is_already_absent_not_an_error() -> None:
    plan = plan_change_set(
        {A: Item(A, Action.DELETE, Phase.PRE)}, lookup({}), allow_overwrite=False
    )
    assert plan.results[0].outcome is Outcome.ABSENT
    assert not plan.failed
    assert plan.changes == {}


def test_plan_refuses_a_hotfix_in_the_target_as_a_conflict() -> None:
    plan = plan_change_set(
        {A: upsert(A, "a2", "a1", "a2")}, lookup({A: "hotfix"}), allow_overwrite=False
    )
    (result,) = plan.results
    assert result.outcome is Outcome.FAILED
    assert "conflict" in (result.problem or "")
    assert "overwrite" in (result.problem or "")
    assert plan.failed
    assert plan.changes == {}


def test_plan_overwrites_a_conflict_when_allowed_and_still_reports_it() -> None:
    plan = plan_change_set({A: upsert(A, "a2", "a1")}, lookup({A: "hotfix"}), allow_overwrite=True)
    assert plan.results[0].outcome is Outcome.CHANGED
    assert [c.key for c in plan.conflicts] == [A]
    assert plan.changes == {A: "a2"}


def test_plan_accepts_a_fast_forward_from_an_older_known_state() -> None:
    item = upsert(A, "a3", "a1", "a2", "a3")
    plan = plan_change_set({A: item}, lookup({A: "a1"}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.CHANGED
    assert not plan.conflicts


def test_plan_orders_pre_deletions_then_upserts_then_post_deletions() -> None:
    items = {
        A: Item(A, Action.DELETE, Phase.POST),
        B: upsert(B, "b1"),
        C: Item(C, Action.DELETE, Phase.PRE),
    }
    plan = plan_change_set(items, lookup({}), allow_overwrite=False)
    assert [r.key for r in plan.results] == [C, B, A]


# --- plan_rollback -------------------------------------------------------------------------


def test_plan_rollback_restores_before_contents_of_what_was_touched() -> None:
    touched = [
        ComponentResult(A, Outcome.CHANGED, before="a1", after="a2"),
        ComponentResult(B, Outcome.CREATED, before=None, after="b1"),
        ComponentResult(C, Outcome.DELETED, before="c1", after=None),
    ]
    plan = plan_rollback(touched, lookup({A: "a2", B: "b1"}), allow_overwrite=False)
    assert plan.changes == {A: "a1", B: None, C: "c1"}
    assert {r.key: r.outcome for r in plan.results} == {
        A: Outcome.CHANGED,
        B: Outcome.DELETED,
        C: Outcome.CREATED,
    }


def test_plan_rollback_ignores_components_the_deployment_left_unchanged() -> None:
    touched = [ComponentResult(A, Outcome.UNCHANGED, before="a1", after="a1")]
    plan = plan_rollback(touched, lookup({A: "other"}), allow_overwrite=False)
    assert plan.results == []
    assert plan.changes == {}


def test_plan_rollback_of_a_component_changed_since_is_a_conflict() -> None:
    touched = [ComponentResult(A, Outcome.CHANGED, before="a1", after="a2")]
    plan = plan_rollback(touched, lookup({A: "a3"}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.FAILED
    assert "conflict" in (plan.results[0].problem or "")
    assert plan.changes == {}


def test_plan_rollback_of_a_created_component_deleted_since_is_already_absent() -> None:
    touched = [ComponentResult(B, Outcome.CREATED, before=None, after="b1")]
    plan = plan_rollback(touched, lookup({}), allow_overwrite=False)
    assert plan.results[0].outcome is Outcome.ABSENT
    assert not plan.failed


# --- effective_test_level ------------------------------------------------------------------


def test_no_test_run_is_refused_in_production_naming_the_org() -> None:
    with pytest.raises(Refused, match=r"no_test_run is not allowed in production \(Prod\)"):
        effective_test_level(Level.NO_TEST_RUN, [], org())


def test_no_test_run_is_allowed_in_a_sandbox() -> None:
    assert effective_test_level(Level.NO_TEST_RUN, [], org(OrgKind.DEVELOPER)) is (
        Level.NO_TEST_RUN
    )


def test_default_level_runs_local_tests_in_production() -> None:
    assert effective_test_level(Level.DEFAULT, [], org()) is Level.RUN_LOCAL_TESTS


def test_default_level_runs_no_tests_in_a_sandbox() -> None:
    assert effective_test_level(Level.DEFAULT, [], org(OrgKind.FULL)) is Level.NO_TEST_RUN


def test_run_specified_tests_needs_names() -> None:
    with pytest.raises(Refused, match="needs the names of the tests"):
        effective_test_level(Level.RUN_SPECIFIED_TESTS, [], org())


def test_run_specified_tests_with_names_is_kept() -> None:
    level = effective_test_level(Level.RUN_SPECIFIED_TESTS, ["ATest"], org())
    assert level is Level.RUN_SPECIFIED_TESTS


def test_test_names_without_run_specified_tests_are_refused() -> None:
    with pytest.raises(Refused, match="run_specified_tests"):
        effective_test_level(Level.RUN_LOCAL_TESTS, ["ATest"], org())


# --- require_quick_deployable --------------------------------------------------------------


def validation(**changes) -> Deployment:  # type: ignore[no-untyped-def]
    fields = {
        "id": 3,
        "kind": DeploymentKind.VALIDATION,
        "target_org_id": "o1",
        "status": DeploymentStatus.SUCCEEDED,
        "created_by": "alice",
        "created_at": NOW,
        "finished_at": NOW,
        "base_version_id": 7,
    }
    fields.update(changes)
    return Deployment(**fields)


def test_quick_deploy_is_allowed_within_ten_days_on_an_unchanged_target() -> None:
    require_quick_deployable(validation(), org(head=7), NOW + timedelta(days=9, hours=23))


def test_quick_deploy_is_refused_after_ten_days() -> None:
    with pytest.raises(Refused, match="older than 10 days; validate again"):
        require_quick_deployable(validation(), org(head=7), NOW + timedelta(days=10, seconds=1))


def test_quick_deploy_is_refused_when_the_target_moved_since() -> None:
    with pytest.raises(Refused, match="Prod has changed since validation 3"):
        require_quick_deployable(validation(), org(head=8), NOW)


def test_quick_deploy_is_refused_for_a_failed_validation() -> None:
    with pytest.raises(Refused, match="only a successful one can be quick-deployed"):
        require_quick_deployable(validation(status=DeploymentStatus.FAILED), org(), NOW)


def test_quick_deploy_is_refused_for_something_that_is_not_a_validation() -> None:
    with pytest.raises(Refused, match="not a validation"):
        require_quick_deployable(validation(kind=DeploymentKind.DEPLOYMENT), org(), NOW)


# --- expand and check_limits ---------------------------------------------------------------

AVAILABLE = {A, B, ComponentKey("ApexClass", "Abc"), ComponentKey("CustomObject", "Account")}


def test_expand_keeps_an_exact_name() -> None:
    assert expand([B], AVAILABLE) == [B]


def test_expand_type_star_takes_every_component_of_that_type_only() -> None:
    found = expand([ComponentKey("ApexClass", "*")], AVAILABLE)
    assert found == [A, ComponentKey("ApexClass", "Abc"), B]


def test_expand_prefix_wildcard() -> None:
    assert expand([ComponentKey("ApexClass", "A*")], AVAILABLE) == [
        A,
        ComponentKey("ApexClass", "Abc"),
    ]


def test_expand_drops_duplicates_between_patterns() -> None:
    assert expand([A, ComponentKey("ApexClass", "A")], AVAILABLE) == [A]


def test_expand_refuses_a_component_the_org_lacks_naming_it() -> None:
    with pytest.raises(Refused, match="the org has no component ApexClass:Missing"):
        expand([A, ComponentKey("ApexClass", "Missing")], AVAILABLE)


def test_expand_refuses_a_wildcard_that_matches_nothing() -> None:
    with pytest.raises(Refused, match=r"ApexTrigger:\* \(matches nothing\)"):
        expand([ComponentKey("ApexTrigger", "*")], AVAILABLE)


def test_check_limits_accepts_exactly_the_limit() -> None:
    check_limits(3, 100, Limits(max_files=3, max_bytes=100), name="CS")


def test_check_limits_refuses_too_many_files() -> None:
    with pytest.raises(Refused, match="change set 'CS' has 4 files; the limit is 3"):
        check_limits(4, 10, Limits(max_files=3, max_bytes=100), name="CS")


def test_check_limits_refuses_too_many_bytes() -> None:
    with pytest.raises(Refused, match=r"holds 2\.0 MB; the limit is 1 MB"):
        check_limits(1, 2 * 2**20, Limits(max_files=3, max_bytes=2**20), name="CS")


# --- change set states ---------------------------------------------------------------------


def test_a_closed_change_set_refuses_edits_and_suggests_cloning() -> None:
    cs = ChangeSet(1, "o1", "CS", "", ChangeSetStatus.CLOSED, "alice", NOW)
    with pytest.raises(Refused, match=r"it is closed .*clone it"):
        cs.require_open("edit")


def inbound_from(source_id: str = "dev") -> InboundChangeSet:
    return InboundChangeSet(1, 1, "CS", "", source_id, "o1", "alice", NOW, InboundStatus.AWAITING)


TARGET = Org("o1", "Test", OrgKind.DEVELOPER, "o1", OrgStatus.ACTIVE, NOW)


def test_an_inbound_change_set_whose_source_was_refreshed_is_not_deployable() -> None:
    source = Org("dev", "Dev", OrgKind.DEVELOPER, "o1", OrgStatus.REPLACED, NOW)
    with pytest.raises(Refused, match="source org Dev was refreshed since it was uploaded"):
        require_deployable(inbound_from(), source, TARGET, authorized=True)


def test_an_inbound_change_set_whose_source_is_gone_is_not_deployable() -> None:
    with pytest.raises(Refused, match="source org dev was deleted since it was uploaded"):
        require_deployable(inbound_from(), None, TARGET, authorized=True)


def test_an_inbound_change_set_from_an_active_source_is_deployable() -> None:
    source = Org("dev", "Dev", OrgKind.DEVELOPER, "o1", OrgStatus.ACTIVE, NOW)
    require_deployable(inbound_from(), source, TARGET, authorized=True)


def test_an_inbound_change_set_along_a_revoked_path_is_not_deployable() -> None:
    source = Org("dev", "Dev", OrgKind.DEVELOPER, "o1", OrgStatus.ACTIVE, NOW)
    with pytest.raises(NotAuthorized, match="Test no longer allows inbound changes from Dev"):
        require_deployable(inbound_from(), source, TARGET, authorized=False)


def test_a_deployment_into_a_target_refreshed_or_deleted_since_is_refused() -> None:
    for status, word in ((OrgStatus.REPLACED, "refreshed"), (OrgStatus.DELETING, "deleted")):
        gone = Org("o1", "Test", OrgKind.DEVELOPER, "o1", status, NOW)
        with pytest.raises(Refused, match=f"Test was {word} since the deployment was requested"):
            require_live_target(gone)
    require_live_target(TARGET)


# --- dependency failures -------------------------------------------------------------------


def needs(source: ComponentKey, target: ComponentKey, line: int = 1) -> Reference:
    return Reference(source, target, f"classes/{source.name}.cls", line, f"Apex uses {target}")


def test_dependency_failures_name_five_users_and_carry_them_all() -> None:
    users = [ComponentKey("ApexClass", f"User{i}") for i in range(7)]
    target = ComponentKey("CustomObject", "Region__c")
    plan = plan_change_set({u: upsert(u, "h") for u in users}, lookup({}), allow_overwrite=False)
    failed = with_dependency_failures(plan, [needs(u, target) for u in users])
    (result,) = [r for r in failed.results if r.key == target]
    assert result.outcome is Outcome.FAILED
    assert result.problem is not None and result.problem.endswith(" and 2 more")
    assert result.problem.count("ApexClass:User") == 5
    listed = result.to_json()["needed_by"]
    assert [u["name"] for u in listed] == [u.name for u in users]
    assert listed[0] == {
        "type": "ApexClass",
        "name": "User0",
        "file": "classes/User0.cls",
        "line": 1,
        "reason": "Apex uses CustomObject:Region__c",
    }
    assert ComponentResult.from_json(result.to_json()) == result


def test_dependency_failures_are_one_per_component_whatever_the_spelling() -> None:
    plan = plan_change_set(
        {A: upsert(A, "h"), B: upsert(B, "h")}, lookup({}), allow_overwrite=False
    )
    broken = [
        needs(A, ComponentKey("CustomObject", "Region__c")),
        needs(B, ComponentKey("CustomObject", "REGION__C")),
    ]
    failed = [
        r for r in with_dependency_failures(plan, broken).results if r.outcome is Outcome.FAILED
    ]
    assert [(r.key, len(r.needed_by)) for r in failed] == [
        (ComponentKey("CustomObject", "Region__c"), 2)
    ]


def test_a_deletion_still_used_fails_and_a_managed_package_need_is_named_as_such() -> None:
    plan = plan_change_set(
        {A: upsert(A, "h"), B: Item(B, Action.DELETE, Phase.PRE, known=("old",))},
        lookup({B: "old"}),
        allow_overwrite=False,
    )
    broken = [
        needs(A, ComponentKey("ApexClass", "b")),
        needs(A, ComponentKey("CustomObject", "npsp__Gift__c")),
    ]
    problems = {
        r.key: r.problem for r in with_dependency_failures(plan, broken).results if r.problem
    }
    assert (
        problems[B]
        == "cannot delete: still used by ApexClass:A (classes/A.cls:1: Apex uses ApexClass:b)"
    )
    assert problems[ComponentKey("CustomObject", "npsp__Gift__c")].startswith(
        "needs managed package npsp: needed by ApexClass:A"
    )
