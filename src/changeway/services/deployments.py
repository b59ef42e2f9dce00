"""Validate, deploy, quick deploy, roll back, cancel, preview; and the job that runs them.

A deployment is checked against the target's head, then applied in one transaction that
moves the head from that version to the new one (compare-and-set): all components or none,
and a concurrent change fails it cleanly instead of being overwritten (docs/model.md,
"Validation and deployment"). That final transaction checks again that the target is the same
live org and that the change set's upload still stands. Checks and tests read in read-only
transactions, so a long check (or a paused worker) never holds the write lock. A rollback is
a deployment: same checks, test levels and permission. Starting, canceling and rolling back
need deploy_change_sets in the target org.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.domain import tree
from changeway.domain.changesets import InboundChangeSet, InboundStatus, require_deployable
from changeway.domain.clock import Clock
from changeway.domain.components import Component, ComponentKey
from changeway.domain.connections import Authorization
from changeway.domain.deployments import (
    ComponentResult,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Outcome,
    Plan,
    TestLevel,
    effective_test_level,
    plan_change_set,
    plan_direct,
    plan_rollback,
    require_live_target,
    require_quick_deployable,
    with_dependency_failures,
)
from changeway.domain.errors import ChangewayError, Conflict, NotFound, Refused
from changeway.domain.jobs import Job, JobStatus
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor, Permission
from changeway.domain.testing import RunStatus, TestRun
from changeway.domain.textdiff import FileDiff, file_diffs
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import job_stamp, record
from changeway.services.context import Context
from changeway.services.dependencies import missing_dependencies
from changeway.services.inbound import find_inbound, in_flight
from changeway.services.intake import writer_options
from changeway.services.jobs import JobCanceled, JobContext, enqueue
from changeway.services.lookup import org_for
from changeway.services.paging import Page, page_of
from changeway.services.ports import TestRunner, UnitOfWork
from changeway.services.versions import (
    commit_version,
    component_index,
    head_version,
    load_components,
)

RUN_JOB = "deployment.run"
_DEPLOY = Permission.DEPLOY_CHANGE_SETS


class DeploymentFailed(ChangewayError):
    """The deployment ran and failed its checks or tests; its results say why."""

    code = "deployment_failed"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


def request_deployment(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    ref: str,
    check_only: bool,
    test_level: TestLevel = TestLevel.DEFAULT,
    tests: list[str] | None = None,
    allow_overwrite: bool = False,
    reason: str | None = None,
) -> Deployment:
    """Queue a validation (``check_only``) or deployment of an inbound change set."""
    _require_reason(allow_overwrite, reason)
    verb = "validate" if check_only else "deploy"
    with ctx.uow() as uow:
        target = org_for(uow, actor, org, _DEPLOY, action=f"{verb} change sets in {org}")
        target.require_active("deploy to")
        inbound = find_inbound(uow, target, ref)
        _require_ready(uow, inbound, target)
        effective_test_level(test_level, tests or [], target)
        d = queue_deployment(
            uow,
            ctx,
            actor=actor,
            target=target,
            kind=DeploymentKind.VALIDATION if check_only else DeploymentKind.DEPLOYMENT,
            inbound_id=inbound.id,
            test_level=test_level,
            tests=list(tests or []),
            allow_overwrite=allow_overwrite,
            overwrite_reason=reason,
            what=inbound.name,
        )
        uow.commit()
    return d


def quick_deploy(ctx: Context, *, actor: Actor, deployment_id: int) -> Deployment:
    """Deploy a successful validation without running checks and tests again."""
    with ctx.uow() as uow:
        validation = _deployment(uow, actor, deployment_id)
        target = _org(uow, validation.target_org_id)
        actor.require(permission_for(validation), target, action=f"quick-deploy into {target.name}")
        target.require_active("quick-deploy into")
        require_quick_deployable(validation, target, ctx.clock.now())
        if validation.is_direct:
            target.require_direct_changes()
        else:
            inbound = uow.change_sets.inbound(validation.inbound_id or 0)
            if inbound is None:
                raise NotFound(f"the change set validated by {validation.id} is gone")
            _require_ready(uow, inbound, target)
        d = queue_deployment(
            uow,
            ctx,
            actor=actor,
            target=target,
            kind=DeploymentKind.QUICK_DEPLOY,
            inbound_id=validation.inbound_id,
            validation_id=validation.id,
            test_level=validation.test_level,
            tests=validation.tests,
            allow_overwrite=validation.allow_overwrite,
            overwrite_reason=validation.overwrite_reason,
            items=validation.items,
            what=f"validation {validation.id}",
        )
        uow.commit()
    return d


def rollback(
    ctx: Context,
    *,
    actor: Actor,
    deployment_id: int,
    test_level: TestLevel = TestLevel.DEFAULT,
    tests: list[str] | None = None,
    allow_overwrite: bool = False,
    reason: str | None = None,
) -> Deployment:
    """Queue a deployment that restores exactly what ``deployment_id`` touched; it obeys the
    rules of any deployment (checks, test levels, permission)."""
    _require_reason(allow_overwrite, reason)
    with ctx.uow() as uow:
        original = _deployment(uow, actor, deployment_id)
        target = _org(uow, original.target_org_id)
        actor.require(_DEPLOY, target, action=f"roll back deployments in {target.name}")
        if not original.kind.changes_target or original.status is not DeploymentStatus.SUCCEEDED:
            raise Refused(
                f"deployment {original.id} is a {original.status.value} {original.kind.value};"
                " only a successful deployment can be rolled back"
            )
        target.require_active("roll back in")
        effective_test_level(test_level, tests or [], target)
        d = queue_deployment(
            uow,
            ctx,
            actor=actor,
            target=target,
            kind=DeploymentKind.ROLLBACK,
            rollback_of_id=original.id,
            test_level=test_level,
            tests=list(tests or []),
            allow_overwrite=allow_overwrite,
            overwrite_reason=reason,
            what=f"deployment {original.id}",
        )
        uow.commit()
    return d


def cancel(ctx: Context, *, actor: Actor, deployment_id: int) -> Deployment:
    """Cancel at once while queued; a running one goes through ``canceling``."""
    with ctx.uow() as uow:
        d = _deployment(uow, actor, deployment_id, lock=True)
        target = _org(uow, d.target_org_id)
        actor.require(permission_for(d), target, action=f"cancel deployments in {target.name}")
        if d.status.is_final or d.status is DeploymentStatus.CANCELING:
            raise Refused(f"deployment {d.id} is {d.status.value}; there is nothing to cancel")
        job = uow.jobs.get(d.job_id, lock=True) if d.job_id else None
        now = ctx.clock.now()
        if d.status is DeploymentStatus.PENDING:
            d.status, d.finished_at = DeploymentStatus.CANCELED, now
            if job:
                job.status, job.finished_at, job.message = JobStatus.CANCELED, now, "canceled"
        else:
            d.status = DeploymentStatus.CANCELING
            if job:
                job.status, job.message = JobStatus.CANCELING, "canceling"
        uow.deployments.save(d)
        if job:
            uow.jobs.save(job)
        record(
            uow,
            at=now,
            actor=actor,
            action=f"{d.kind.value}.cancel_requested",
            org=target,
            deployment=d.id,
            status=d.status.value,
        )
        uow.commit()
    return d


def permission_for(d: Deployment) -> Permission:
    """Direct deployments need modify_metadata; change set deployments deploy_change_sets."""
    return Permission.MODIFY_METADATA if d.is_direct else _DEPLOY


def get_deployment(uow: UnitOfWork, *, deployment_id: int, lock: bool = False) -> Deployment:
    """One deployment, in the caller's transaction; ``lock`` holds its row (PostgreSQL)."""
    d = uow.deployments.get(deployment_id, lock=lock)
    if d is None:
        raise NotFound(f"no deployment {deployment_id}")
    return d


def show_deployment(ctx: Context, *, actor: Actor, deployment_id: int) -> Deployment:
    """One validation or deployment, for users who may see its target org."""
    with ctx.uow(read_only=True) as uow:
        return _deployment(uow, actor, deployment_id)


def _deployment(
    uow: UnitOfWork, actor: Actor, deployment_id: int, *, lock: bool = False
) -> Deployment:
    """A deployment whose target the actor may see (others are not found)."""
    d = get_deployment(uow, deployment_id=deployment_id, lock=lock)
    target = uow.orgs.get(d.target_org_id)
    if target is None or not actor.can_see(target):
        raise NotFound(f"no deployment {deployment_id}")
    return d


def list_deployments(
    ctx: Context, *, actor: Actor, org: str, cursor: str | None = None, limit: int | None = None
) -> Page[Deployment]:
    """Every validation and deployment into ``org``, oldest first, paged."""
    with ctx.uow(read_only=True) as uow:
        found = uow.deployments.of_org([org_for(uow, actor, org).id])
    return page_of(found, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class Preview:
    """What deploying an inbound change set would do to the target now."""

    target: Org
    results: list[ComponentResult]
    diffs: dict[ComponentKey, list[FileDiff]]


def preview(ctx: Context, *, actor: Actor, org: str, ref: str, with_diffs: bool = True) -> Preview:
    """The per-component outcome of a deployment, with text diffs, without running it: the
    problems a validation would report now (conflicts, invalid files, missing dependencies)
    come from the same checks; the tree it would leave is scratch, never stored."""
    with ctx.uow(read_only=True) as uow:
        target = org_for(uow, actor, org)
        inbound = find_inbound(uow, target, ref)
        head = head_version(uow, target)
        current = _current(uow, head, inbound.items)
        plan = plan_change_set(inbound.items, current, allow_overwrite=False)
        after = tree.apply_changes(uow.metadata, head.root, plan.changes)
        checked = check_plan(uow, plan, head, after, _source_root(uow, inbound))
        diffs: dict[ComponentKey, list[FileDiff]] = {}
        if with_diffs:
            touched = [r for r in plan.results if r.before != r.after]
            befores = {
                c.key: c.files
                for c in load_components(uow, {r.key: r.before for r in touched if r.before})
            }
            afters = {
                c.key: c.files
                for c in load_components(uow, {r.key: r.after for r in touched if r.after})
            }
            for r in touched:
                diffs[r.key] = file_diffs(
                    befores.get(r.key, {}),
                    afters.get(r.key, {}),
                    label_a=f"{target.name}",
                    label_b=f"{inbound.name}",
                )
    return Preview(target, checked.results, diffs)


class RunDeployment:
    """Job: check, test and apply one deployment (or validate it without applying)."""

    def __init__(self, test_runner: TestRunner | None = None) -> None:
        self.test_runner = test_runner

    def run(self, ctx: JobContext) -> dict[str, Any]:
        deployment_id = int(ctx.job.payload["deployment_id"])
        started = time.monotonic()
        d = self._start(ctx, deployment_id)
        if d.status.is_final:
            return _summary(d)
        ctx.progress(0.05, "planning")
        timings: dict[str, float] = {}
        with ctx.uow_factory(read_only=True) as uow:
            target = _org(uow, d.target_org_id)
            head = head_version(uow, target)
            plan, source_root = self._plan(uow, d, target, head, ctx.clock)
        after = _store_result(ctx, head, plan)
        timings["plan_s"] = time.monotonic() - started
        if d.kind.runs_checks:
            ctx.progress(0.2, "checking components and dependencies")
            with ctx.uow_factory(read_only=True) as uow:
                plan = check_plan(uow, plan, head, after, source_root)
            timings["checks_s"] = time.monotonic() - started - timings["plan_s"]
        self._stop_if_canceled(ctx, deployment_id)
        tests = TestRun(RunStatus.NOT_RUN, "no tests run", TestLevel.NO_TEST_RUN.value)
        if d.kind.runs_checks and plan.failed:
            level = effective_test_level(d.test_level, d.tests, target)
            tests = TestRun(RunStatus.NOT_RUN, "no tests run: the checks failed", level.value)
        if d.kind.runs_checks and not plan.failed:
            ctx.progress(0.4, "running tests")
            before_tests = time.monotonic()
            tests = self._run_tests(ctx, d, target, after)
            timings["tests_s"] = time.monotonic() - before_tests
        self._stop_if_canceled(ctx, deployment_id)
        if plan.failed or tests.failed:
            why = "tests failed: " + tests.message if tests.failed else _failure_summary(plan)
            self._finish(ctx, d, DeploymentStatus.FAILED, plan, tests, timings, started, error=why)
            raise DeploymentFailed(why, code=_failure_code(plan, tests))
        if not d.kind.changes_target:
            d.base_version_id = head.id
            self._finish(ctx, d, DeploymentStatus.SUCCEEDED, plan, tests, timings, started)
            return _summary(d)
        ctx.progress(0.9, "applying")
        self._apply(ctx, d, head, after, plan, tests, timings, started)
        return _summary(d)

    def fail(self, uow: UnitOfWork, job: Job, error: str) -> None:
        """Fail the deployment with the job's reason (an abandoned job too), audited."""
        d = uow.deployments.get(int(job.payload["deployment_id"]))
        if d is None or d.status.is_final:
            return
        d.status, d.error, d.finished_at = (
            DeploymentStatus.FAILED,
            error,
            job.finished_at or job.created_at,
        )
        uow.deployments.save(d)
        record(
            uow,
            at=d.finished_at,
            actor=job_stamp(job),
            action=f"{d.kind.value}.{DeploymentStatus.FAILED.value}",
            org=uow.orgs.get(d.target_org_id),
            deployment=d.id,
            error=error,
        )

    def _start(self, ctx: JobContext, deployment_id: int) -> Deployment:
        with ctx.fenced() as uow:
            d = get_deployment(uow, deployment_id=deployment_id, lock=True)
            if d.status.is_final:
                return d
            if d.status is DeploymentStatus.CANCELING:
                self._cancel(uow, d, ctx)
            d.status = DeploymentStatus.IN_PROGRESS
            d.started_at = d.started_at or ctx.clock.now()
            uow.deployments.save(d)
            uow.commit()
        return d

    def _plan(
        self, uow: UnitOfWork, d: Deployment, target: Org, head: OrgVersion, clock: Clock
    ) -> tuple[Plan, str | None]:
        """The plan, and the source org's tree at upload (where candidate references may
        resolve; none for rollbacks and direct deployments). The inbound change set's items
        are read once, here."""
        require_live_target(target)
        if d.kind is DeploymentKind.ROLLBACK:
            original = get_deployment(uow, deployment_id=d.rollback_of_id or 0)
            current = _current(uow, head, [r.key for r in original.components])
            plan = plan_rollback(original.components, current, allow_overwrite=d.allow_overwrite)
            return plan, None
        if d.kind is DeploymentKind.QUICK_DEPLOY:
            validation = get_deployment(uow, deployment_id=d.validation_id or 0)
            require_quick_deployable(validation, target, clock.now())
        if d.items is not None:
            return plan_direct(d.items, _current(uow, head, [i.key for i in d.items])), None
        inbound = _upload_standing(uow, d, target, with_items=True)
        current = _current(uow, head, inbound.items)
        plan = plan_change_set(inbound.items, current, allow_overwrite=d.allow_overwrite)
        return plan, _source_root(uow, inbound)

    def _run_tests(self, ctx: JobContext, d: Deployment, target: Org, after: str) -> TestRun:
        level = effective_test_level(d.test_level, d.tests, target)
        if level is TestLevel.NO_TEST_RUN:
            return TestRun(RunStatus.NOT_RUN, "no tests run (test level no_test_run)", level.value)
        if self.test_runner is None:
            return TestRun(RunStatus.NOT_RUN, "no test runner configured", level.value)
        with tempfile.TemporaryDirectory(prefix="changeway-tests-") as scratch:
            project = Path(scratch) / "project"
            with ctx.uow_factory(read_only=True) as uow:
                formats.write_source(
                    load_components(uow, component_index(uow, after)),
                    project,
                    **writer_options(target.project),
                )
            # No transaction stays open while the runner works; the lease is kept alive.
            with ctx.keep_alive():
                return self.test_runner.run(project, level=level.value, tests=d.tests)

    def _apply(
        self,
        ctx: JobContext,
        d: Deployment,
        head: OrgVersion,
        root: str,
        plan: Plan,
        tests: TestRun,
        timings: dict[str, float],
        started: float,
    ) -> None:
        """The final transaction: re-check that the target is the same live org and that the
        upload still stands, then move the head (compare-and-set)."""
        with ctx.fenced() as uow:
            current = get_deployment(uow, deployment_id=d.id, lock=True)
            if current.status is DeploymentStatus.CANCELING:
                self._cancel(uow, current, ctx)
            target = _org(uow, d.target_org_id, lock=True)
            require_live_target(target)
            if d.is_direct:
                target.require_direct_changes()
            elif d.kind is not DeploymentKind.ROLLBACK:
                _upload_standing(uow, d, target)
            _verify(uow, root, plan)
            try:
                version = commit_version(
                    uow,
                    org=replace(target, head_version_id=head.id),
                    root=root,
                    kind=VersionKind.ROLLBACK
                    if d.kind is DeploymentKind.ROLLBACK
                    else VersionKind.DEPLOYMENT,
                    author=d.created_by,
                    reason=_reason(uow, d),
                    at=ctx.clock.now(),
                    parent_id=head.id,
                )
            except Conflict:
                raise DeploymentFailed(
                    f"{target.name} changed while the deployment ran; nothing was applied",
                    code="conflict",
                ) from None
            if d.inbound_id and d.kind is not DeploymentKind.ROLLBACK:
                inbound = uow.change_sets.inbound(d.inbound_id, with_items=False)
                if inbound:
                    inbound.status, inbound.deployed_at = InboundStatus.DEPLOYED, ctx.clock.now()
                    uow.change_sets.save_inbound(inbound)
            d.base_version_id, d.result_version_id = head.id, version.id
            self._record(uow, ctx, d, DeploymentStatus.SUCCEEDED, plan, tests, timings, started)
            uow.commit()

    def _finish(
        self,
        ctx: JobContext,
        d: Deployment,
        status: DeploymentStatus,
        plan: Plan,
        tests: TestRun,
        timings: dict[str, float],
        started: float,
        *,
        error: str | None = None,
    ) -> None:
        with ctx.fenced() as uow:
            d.error = error
            self._record(uow, ctx, d, status, plan, tests, timings, started)
            uow.commit()

    def _record(
        self,
        uow: UnitOfWork,
        ctx: JobContext,
        d: Deployment,
        status: DeploymentStatus,
        plan: Plan,
        tests: TestRun,
        timings: dict[str, float],
        started: float,
    ) -> None:
        d.status, d.finished_at = status, ctx.clock.now()
        d.components, d.tests_result = plan.results, tests.to_json()
        d.timings = {**timings, "total_s": time.monotonic() - started}
        uow.deployments.save(d)
        counts: dict[str, int] = {}
        for r in plan.results:
            counts[r.outcome.value] = counts.get(r.outcome.value, 0) + 1
        record(
            uow,
            at=d.finished_at,
            actor=job_stamp(ctx.job),
            action=f"{d.kind.value}.{status.value}",
            org=_org(uow, d.target_org_id),
            deployment=d.id,
            components=counts,
            tests=tests.status.value,
            error=d.error,
            overwrite_reason=d.overwrite_reason if plan.conflicts else None,
            overwritten=[str(c.key) for c in plan.conflicts] if d.allow_overwrite else [],
        )

    def _stop_if_canceled(self, ctx: JobContext, deployment_id: int) -> None:
        with ctx.uow_factory(read_only=True) as uow:
            canceling = get_deployment(uow, deployment_id=deployment_id).status
        if canceling is DeploymentStatus.CANCELING:
            with ctx.fenced() as uow:
                self._cancel(uow, get_deployment(uow, deployment_id=deployment_id), ctx)

    def _cancel(self, uow: UnitOfWork, d: Deployment, ctx: JobContext) -> None:
        d.status, d.finished_at = DeploymentStatus.CANCELED, ctx.clock.now()
        uow.deployments.save(d)
        record(
            uow,
            at=d.finished_at,
            actor=job_stamp(ctx.job),
            action=f"{d.kind.value}.canceled",
            org=_org(uow, d.target_org_id),
            deployment=d.id,
        )
        uow.commit()
        raise JobCanceled()


def check_plan(
    uow: UnitOfWork, plan: Plan, head: OrgVersion, after: str, source_root: str | None
) -> Plan:
    """The checks of a validation, in a read: files well-formed and matching their type,
    and dependencies (``after``: the tree the plan leaves; ``source_root``: the source's at
    upload). The components the plan writes are read once for both."""
    written = load_components(uow, _written(plan))
    plan = _check_components(plan, written)
    return _check_dependencies(uow, head, after, plan, source_root, written)


def _written(plan: Plan) -> dict[ComponentKey, str]:
    """The components a deployment creates or changes: key -> content hash."""
    return {
        r.key: r.after
        for r in plan.results
        if r.after and r.outcome in (Outcome.CREATED, Outcome.CHANGED)
    }


def _check_components(plan: Plan, components: list[Component]) -> Plan:
    """Files well-formed and matching their type, for every component that would change
    (``components``: those the plan writes, loaded once for both checks)."""
    written = _written(plan)
    problems: dict[ComponentKey, ComponentResult] = {}
    for component in components:
        found = formats.check_component(component)
        if found:
            first = found[0]
            text = "; ".join(p.message for p in found)
            problems[component.key] = ComponentResult(
                component.key,
                Outcome.FAILED,
                problem=text,
                path=first.path,
                line=first.line,
                after=written[component.key],
            )
    if not problems:
        return plan
    results = [problems.get(r.key, r) for r in plan.results]
    return Plan(results, plan.changes, plan.conflicts)


def _store_result(ctx: JobContext, head: OrgVersion, plan: Plan) -> str:
    """Store the tree the deployment would leave (immutable nodes, in a short write of their
    own) so that checks and tests read it without holding the write lock; pinned while the
    job runs, so garbage collection keeps it until its version references it."""
    with ctx.fenced() as uow:
        root = tree.apply_changes(uow.metadata, head.root, plan.changes)
        uow.metadata.pin_tree(root, job_id=ctx.job.id)
        uow.commit()
    return root


def _check_dependencies(
    uow: UnitOfWork,
    head: OrgVersion,
    after: str,
    plan: Plan,
    source_root: str | None,
    components: list[Component],
) -> Plan:
    """Every component the deployment writes finds what it references in the resulting org,
    and nothing left in the org references a component it deletes."""
    deleted = [k for k, v in plan.changes.items() if v is None]
    broken = missing_dependencies(
        uow,
        deployed=_written(plan),
        deleted=deleted,
        before=head,
        after_root=after,
        source_root=source_root,
        loaded=components,
    )
    return with_dependency_failures(plan, broken)


def _source_root(uow: UnitOfWork, inbound: InboundChangeSet) -> str | None:
    """The source org's tree at upload: candidate references may resolve there."""
    cs = uow.change_sets.get(inbound.change_set_id, with_items=False)
    version = (
        uow.metadata.get_version(cs.source_version_id) if cs and cs.source_version_id else None
    )
    return version.root if version else None


def _verify(uow: UnitOfWork, root: str, plan: Plan) -> None:
    """Never report success unless the resulting state is the one expected."""
    found = tree.lookup_many(uow.metadata, root, plan.changes)
    for key, wanted in plan.changes.items():
        if found[key] != wanted:
            raise DeploymentFailed(
                f"internal check failed: {key} did not reach its expected content",
                code="internal_error",
            )


def _current(
    uow: UnitOfWork, head: OrgVersion, keys: Iterable[ComponentKey]
) -> Callable[[ComponentKey], str | None]:
    """The target's content of a component at ``head``: ``keys`` looked up in one batch
    per trie level, any other key on demand."""
    found = tree.lookup_many(uow.metadata, head.root, keys)
    return lambda key: found[key] if key in found else tree.lookup(uow.metadata, head.root, key)


def queue_deployment(
    uow: UnitOfWork,
    ctx: Context,
    *,
    actor: Actor,
    target: Org,
    kind: DeploymentKind,
    what: str,
    **fields: Any,
) -> Deployment:
    """Record a pending deployment of ``kind`` into ``target`` and the job that will run it,
    in the caller's transaction."""
    d = uow.deployments.add(
        Deployment(
            id=0,
            kind=kind,
            target_org_id=target.id,
            status=DeploymentStatus.PENDING,
            created_by=actor.label,
            created_at=ctx.clock.now(),
            **fields,
        )
    )
    job = enqueue(
        uow,
        kind=RUN_JOB,
        actor=actor,
        org_id=target.id,
        payload={"deployment_id": d.id},
        clock=ctx.clock,
        queue_key=f"deploy:{target.id}",
    )
    d.job_id = job.id
    uow.deployments.save(d)
    record(
        uow,
        at=ctx.clock.now(),
        actor=actor,
        action=f"{d.kind.value}.requested",
        org=target,
        deployment=d.id,
        what=what,
        test_level=d.test_level.value,
        tests=d.tests,
        allow_overwrite=d.allow_overwrite,
        reason=d.overwrite_reason,
    )
    return d


def _require_ready(uow: UnitOfWork, inbound: InboundChangeSet, target: Org) -> None:
    """An inbound change set can start a deployment: its upload stands, none runs."""
    _require_standing(uow, inbound, target)
    running = in_flight(uow, inbound)
    if running:
        raise Refused(f"change set {inbound.name!r} already has deployment {running[0]} under way")


def _require_standing(uow: UnitOfWork, inbound: InboundChangeSet, target: Org) -> None:
    """The upload still stands: not deleted, its source identity lives, and ``target`` still
    allows inbound changes from that source."""
    allowed = Authorization(target.id, inbound.source_org_id)
    require_deployable(
        inbound,
        uow.orgs.get(inbound.source_org_id),
        target,
        authorized=allowed in uow.authorizations.for_orgs([target.id]),
    )


def _upload_standing(
    uow: UnitOfWork, d: Deployment, target: Org, *, with_items: bool = False
) -> InboundChangeSet:
    """The inbound change set a deployment brings, once its upload is checked to stand."""
    inbound = uow.change_sets.inbound(d.inbound_id or 0, with_items=with_items)
    if inbound is None:
        raise NotFound(f"inbound change set {d.inbound_id} is gone")
    _require_standing(uow, inbound, target)
    return inbound


def _require_reason(allow_overwrite: bool, reason: str | None) -> None:
    if allow_overwrite and not (reason and reason.strip()):
        raise Refused(
            "overwriting conflicts needs a reason (it is recorded)",
            details={"rule": "overwrite_reason"},
        )
    if reason and not allow_overwrite:
        raise Refused(
            "a reason goes with allowing overwrites, and only with it",
            details={"rule": "overwrite_reason"},
        )


def _reason(uow: UnitOfWork, d: Deployment) -> str:
    if d.kind is DeploymentKind.ROLLBACK:
        return f"rollback of deployment {d.rollback_of_id}"
    if d.is_direct:
        return f"{d.kind.value} {d.id}: direct deployment by {d.created_by}"
    inbound = uow.change_sets.inbound(d.inbound_id or 0, with_items=False)
    source = uow.orgs.get(inbound.source_org_id) if inbound else None
    name = inbound.name if inbound else "?"
    return f"{d.kind.value} {d.id}: change set {name!r} from {source.name if source else '?'}"


def _failure_code(plan: Plan, tests: TestRun) -> str:
    """The machine code of a failed deployment: tests, conflicts, dependencies, or files."""
    failed = [r.problem or "" for r in plan.results if r.outcome is Outcome.FAILED]
    if tests.failed and not failed:
        return "tests_failed"
    if any(p.startswith("conflict") for p in failed):
        return "conflict"
    if any(("still used by" in p or p.startswith("missing dependency")) for p in failed):
        return "missing_dependency"
    return "invalid_metadata"


def _failure_summary(plan: Plan) -> str:
    failed = [r for r in plan.results if r.outcome is Outcome.FAILED]
    shown = "; ".join(f"{r.key}: {r.problem}" for r in failed[:3])
    more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
    return f"{len(failed)} component(s) failed: {shown}{more}"


def _summary(d: Deployment) -> dict[str, Any]:
    return {"deployment_id": d.id, "status": d.status.value}


def _org(uow: UnitOfWork, org_id: str, *, lock: bool = False) -> Org:
    org = uow.orgs.get(org_id, lock=lock)
    if org is None:
        raise NotFound(f"no org with id {org_id}")
    return org
