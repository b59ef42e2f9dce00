"""Validations, deployments, quick deploys and rollbacks: kinds, test levels and planning
(docs/model.md, "Validation and deployment"). Planning is pure: given the target's current
contents and the change set, it says what each component would become and which checks
fail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from changeway.domain.changesets import Action, Item, Phase
from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import Reference, folded, namespace_of, parent_object
from changeway.domain.errors import Refused
from changeway.domain.jobs import JobStatus
from changeway.domain.orgs import Org, departure

QUICK_DEPLOY_WINDOW = timedelta(days=10)


class DeploymentKind(StrEnum):
    VALIDATION = "validation"
    DEPLOYMENT = "deployment"
    QUICK_DEPLOY = "quick_deploy"
    ROLLBACK = "rollback"

    @property
    def changes_target(self) -> bool:
        return self is not DeploymentKind.VALIDATION

    @property
    def runs_checks(self) -> bool:
        """Whether it runs the checks and tests (a quick deploy reuses its validation's)."""
        return self is not DeploymentKind.QUICK_DEPLOY


class TestLevel(StrEnum):
    """Which tests a validation or deployment runs."""

    __test__ = False  # a domain type, not a pytest test class

    DEFAULT = "default"
    NO_TEST_RUN = "no_test_run"
    RUN_SPECIFIED_TESTS = "run_specified_tests"
    RUN_LOCAL_TESTS = "run_local_tests"
    RUN_ALL_TESTS = "run_all_tests"


def effective_test_level(level: TestLevel, tests: list[str], target: Org) -> TestLevel:
    """The level that applies: ``default`` means local tests in production, none in a sandbox."""
    if level is TestLevel.NO_TEST_RUN and target.is_production:
        raise Refused(f"no_test_run is not allowed in production ({target.name})")
    if level is TestLevel.RUN_SPECIFIED_TESTS and not tests:
        raise Refused("run_specified_tests needs the names of the tests to run")
    if tests and level is not TestLevel.RUN_SPECIFIED_TESTS:
        raise Refused("test names go with the run_specified_tests test level")
    if level is TestLevel.DEFAULT:
        return TestLevel.RUN_LOCAL_TESTS if target.is_production else TestLevel.NO_TEST_RUN
    return level


class Outcome(StrEnum):
    """What happened, or would happen, to one component."""

    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ABSENT = "already_absent"
    FAILED = "failed"


@dataclass(frozen=True)
class ComponentResult:
    """A component's result; ``problem`` (with file and line where known) when it failed."""

    key: ComponentKey
    outcome: Outcome
    problem: str | None = None
    path: str | None = None
    line: int | None = None
    before: str | None = None
    after: str | None = None
    # Every reference behind a dependency problem (the problem text names the first few).
    needed_by: tuple[Reference, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.key.type,
            "name": self.key.name,
            "result": self.outcome.value,
            "problem": self.problem,
            "file": self.path,
            "line": self.line,
            "before": self.before,
            "after": self.after,
            "needed_by": [
                {
                    "type": r.source.type,
                    "name": r.source.name,
                    "file": r.path,
                    "line": r.line,
                    "reason": r.reason,
                }
                for r in self.needed_by
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComponentResult:
        key = ComponentKey(data["type"], data["name"])
        return cls(
            key=key,
            outcome=Outcome(data["result"]),
            problem=data.get("problem"),
            path=data.get("file"),
            line=data.get("line"),
            before=data.get("before"),
            after=data.get("after"),
            needed_by=tuple(
                Reference(
                    ComponentKey(u["type"], u["name"]), key, u["file"], u["line"], u["reason"]
                )
                for u in data.get("needed_by", ())
            ),
        )


@dataclass(frozen=True)
class Plan:
    """What a change would do: per-component results and the tree changes to apply."""

    results: list[ComponentResult]
    changes: dict[ComponentKey, str | None]
    conflicts: list[ComponentResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.outcome is Outcome.FAILED for r in self.results)


def plan_change_set(
    items: Mapping[ComponentKey, Item],
    current: Callable[[ComponentKey], str | None],
    *,
    allow_overwrite: bool,
) -> Plan:
    """Plan a change set against the target's current contents (``current(key)``).

    A component whose target content is neither what the change set brings nor any content
    the source's history has seen was changed in the target since: a conflict, refused unless
    overwriting is explicitly allowed. Deleting an absent component is not an error; deleting
    one the source never had is clean-up, not a conflict.
    """
    ordered = sorted(items.values(), key=_order)
    results: list[ComponentResult] = []
    changes: dict[ComponentKey, str | None] = {}
    conflicts: list[ComponentResult] = []
    for item in ordered:
        now = current(item.key)
        wanted = item.content if item.action is Action.UPSERT else None
        if now == wanted:
            outcome = Outcome.UNCHANGED if wanted else Outcome.ABSENT
            results.append(ComponentResult(item.key, outcome, before=now, after=now))
            continue
        # A deletion of something the source never had is deliberate clean-up, not a conflict.
        cleanup = item.action is Action.DELETE and not item.known
        if now is not None and now not in item.known and not cleanup:
            conflict = ComponentResult(
                item.key,
                Outcome.FAILED,
                problem="conflict: changed in the target since the change set's source last saw"
                " it; deploying would overwrite that change",
                before=now,
                after=wanted,
            )
            conflicts.append(conflict)
            if not allow_overwrite:
                results.append(conflict)
                continue
        outcome = (
            Outcome.CREATED
            if now is None
            else Outcome.DELETED
            if wanted is None
            else Outcome.CHANGED
        )
        results.append(ComponentResult(item.key, outcome, before=now, after=wanted))
        changes[item.key] = wanted
    return Plan(results, changes, conflicts)


def plan_direct(items: list[Item], current: Callable[[ComponentKey], str | None]) -> Plan:
    """Plan a direct deployment: like Salesforce's deploy, it replaces whatever the org holds,
    so nothing it overwrites is a conflict (the org's head still moves by compare-and-set)."""
    seen = {
        item.key: replace(item, known=tuple(h for h in (current(item.key),) if h)) for item in items
    }
    return plan_change_set(seen, current, allow_overwrite=False)


def plan_rollback(
    touched: list[ComponentResult],
    current: Callable[[ComponentKey], str | None],
    *,
    allow_overwrite: bool,
) -> Plan:
    """Plan restoring what a deployment touched: its ``before`` contents.

    A component changed since that deployment (current is not its ``after``) is a conflict.
    """
    items = {
        r.key: Item(
            r.key,
            Action.UPSERT if r.before else Action.DELETE,
            None if r.before else Phase.PRE,
            content=r.before,
            known=tuple(h for h in (r.after,) if h),
        )
        for r in touched
        if r.outcome in (Outcome.CREATED, Outcome.CHANGED, Outcome.DELETED)
    }
    return plan_change_set(items, current, allow_overwrite=allow_overwrite)


def with_dependency_failures(plan: Plan, broken: list[Reference]) -> Plan:
    """Fail the plan for each missing dependency, naming who references it and where.

    A reference to a component the plan deletes fails that deletion ("still used by ...");
    a reference to a component that exists nowhere adds a "missing dependency" result, or a
    "needs managed package" one when the component belongs to a namespace. Names match
    case-insensitively, as Salesforce's do: one result per component, however it is spelled.
    """
    if not broken:
        return plan
    by_target: dict[tuple[str, str], list[Reference]] = {}
    for ref in sorted(broken):
        by_target.setdefault(folded(ref.target), []).append(ref)
    deleting = {folded(k) for k, v in plan.changes.items() if v is None}
    results = []
    for result in plan.results:
        refs = by_target.pop(folded(result.key), None) if folded(result.key) in deleting else None
        if refs:
            result = _failed(result.key, "cannot delete: still used by ", refs, result)
        results.append(result)
    for refs in sorted(by_target.values(), key=lambda refs: refs[0].target):
        target = refs[0].target
        parent = parent_object(target)
        namespace = namespace_of(target)
        if parent is not None and folded(parent) in deleting:
            why = f"deleted with {parent}, still used by "
        elif namespace is not None:
            why = f"needs managed package {namespace}: needed by "
        else:
            why = "missing dependency: needed by "
        results.append(_failed(target, why, refs))
    return Plan(results, plan.changes, plan.conflicts)


def _failed(
    key: ComponentKey, why: str, refs: list[Reference], before: ComponentResult | None = None
) -> ComponentResult:
    """A failed result naming the first users of ``key``, carrying all of them."""
    return ComponentResult(
        key,
        Outcome.FAILED,
        problem=why + _who(refs),
        path=refs[0].path,
        line=refs[0].line,
        before=before.before if before else None,
        after=before.after if before else None,
        needed_by=tuple(refs),
    )


def _who(refs: list[Reference]) -> str:
    shown = [f"{r.source} ({r.path}{f':{r.line}' if r.line else ''}: {r.reason})" for r in refs[:5]]
    more = f" and {len(refs) - 5} more" if len(refs) > 5 else ""
    return "; ".join(shown) + more


def _order(item: Item) -> tuple[int, ComponentKey]:
    if item.action is Action.DELETE:
        return (0 if item.phase is not Phase.POST else 2, item.key)
    return (1, item.key)


class DeploymentStatus(StrEnum):
    """Same states as jobs: pending, in_progress, succeeded, failed, canceling, canceled."""

    PENDING = JobStatus.PENDING.value
    IN_PROGRESS = JobStatus.IN_PROGRESS.value
    SUCCEEDED = JobStatus.SUCCEEDED.value
    FAILED = JobStatus.FAILED.value
    CANCELING = JobStatus.CANCELING.value
    CANCELED = JobStatus.CANCELED.value

    @property
    def is_final(self) -> bool:
        return self in (self.SUCCEEDED, self.FAILED, self.CANCELED)


@dataclass
class Deployment:
    """A validation, deployment, quick deploy or rollback into ``target_org_id``."""

    id: int
    kind: DeploymentKind
    target_org_id: str
    status: DeploymentStatus
    created_by: str
    created_at: datetime
    inbound_id: int | None = None
    validation_id: int | None = None
    rollback_of_id: int | None = None
    test_level: TestLevel = TestLevel.DEFAULT
    tests: list[str] = field(default_factory=list)
    allow_overwrite: bool = False
    overwrite_reason: str | None = None
    base_version_id: int | None = None
    result_version_id: int | None = None
    job_id: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    components: list[ComponentResult] = field(default_factory=list)
    tests_result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    items: list[Item] | None = None
    """A direct deployment's components (a zip deployed without a change set); else None."""

    @property
    def is_direct(self) -> bool:
        return self.items is not None


@dataclass(frozen=True)
class RetrieveRequest:
    """What a Salesforce tool asked to retrieve (type and member pairs, ``*`` for all), from
    the org's version at the time of asking."""

    id: int
    org_id: str
    version_id: int
    members: list[tuple[str, str]]
    single_package: bool
    created_by: str
    created_at: datetime


def require_live_target(target: Org) -> None:
    """A deployment writes only into the org it was requested for, while that org is active:
    a target refreshed (it has a new id) or deleted since the request fails with the reason."""
    if not target.is_active:
        raise Refused(
            f"{target.name} was {departure(target)} since the deployment was requested;"
            " nothing was applied",
            details={"rule": "target_gone", "org": target.name},
        )


def require_quick_deployable(validation: Deployment, target: Org, now: datetime) -> None:
    """A quick deploy needs a successful validation, under 10 days old, of the current head."""
    if validation.kind is not DeploymentKind.VALIDATION:
        raise Refused(f"deployment {validation.id} is a {validation.kind.value}, not a validation")
    if validation.status is not DeploymentStatus.SUCCEEDED:
        raise Refused(
            f"validation {validation.id} {validation.status.value};"
            " only a successful one can be quick-deployed"
        )
    finished = validation.finished_at or validation.created_at
    if now - finished > QUICK_DEPLOY_WINDOW:
        raise Refused(f"validation {validation.id} is older than 10 days; validate again")
    if target.head_version_id != validation.base_version_id:
        raise Refused(
            f"{target.name} has changed since validation {validation.id} (another deployment or"
            " change); validate again"
        )
