"""Operations on inbound change sets, validations and deployments."""

from __future__ import annotations

from typing import Any

from changeway.domain.deployments import TestLevel
from changeway.domain.errors import Refused
from changeway.domain.permissions import Actor
from changeway.operations import page_view
from changeway.services import deployments, inbound
from changeway.services.context import Context
from changeway.views import deployment_view, inbound_view, preview_view

#: Salesforce's spellings of test levels, accepted next to changeway's.
_SALESFORCE_LEVELS = {
    "NoTestRun": TestLevel.NO_TEST_RUN,
    "RunSpecifiedTests": TestLevel.RUN_SPECIFIED_TESTS,
    "RunLocalTests": TestLevel.RUN_LOCAL_TESTS,
    "RunAllTestsInOrg": TestLevel.RUN_ALL_TESTS,
}


def test_level_named(text: str) -> TestLevel:
    """A test level as users type it."""
    if text in _SALESFORCE_LEVELS:
        return _SALESFORCE_LEVELS[text]
    try:
        return TestLevel(text)
    except ValueError:
        choices = ", ".join(t.value for t in TestLevel)
        raise Refused(f"unknown test level {text!r}: use one of {choices}") from None


def list_(
    ctx: Context, actor: Actor, *, org: str, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Change sets uploaded to ORG."""
    page = inbound.list_inbound(ctx, actor=actor, org=org, cursor=cursor, limit=limit)
    return page_view(page, inbound_view)


def show(ctx: Context, actor: Actor, *, org: str, ref: str) -> dict[str, Any]:
    """An inbound change set."""
    return inbound_view(inbound.get_inbound(ctx, actor=actor, org=org, ref=ref))


def delete(ctx: Context, actor: Actor, *, org: str, ref: str) -> dict[str, Any]:
    """Delete an inbound change set."""
    found = inbound.delete_inbound(ctx, actor=actor, org=org, ref=ref)
    return {"id": found.id, "name": found.name, "status": found.status.value}


def preview(ctx: Context, actor: Actor, *, org: str, ref: str) -> dict[str, Any]:
    """What deploying would change in ORG now, with diffs."""
    return preview_view(deployments.preview(ctx, actor=actor, org=org, ref=ref))


def validate(
    ctx: Context,
    actor: Actor,
    *,
    org: str,
    ref: str,
    test_level: str = "default",
    tests: list[str] | None = None,
) -> dict[str, Any]:
    """Queue a check-only deployment."""
    return _request(ctx, actor, org, ref, True, test_level, tests, False, None)


def deploy(
    ctx: Context,
    actor: Actor,
    *,
    org: str,
    ref: str,
    test_level: str = "default",
    tests: list[str] | None = None,
    allow_overwrite: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Queue a deployment (atomic: all components or none)."""
    return _request(ctx, actor, org, ref, False, test_level, tests, allow_overwrite, reason)


def _request(
    ctx: Context,
    actor: Actor,
    org: str,
    ref: str,
    check_only: bool,
    level: str,
    tests: list[str] | None,
    allow_overwrite: bool,
    reason: str | None,
) -> dict[str, Any]:
    d = deployments.request_deployment(
        ctx,
        actor=actor,
        org=org,
        ref=ref,
        check_only=check_only,
        test_level=test_level_named(level),
        tests=list(tests or []),
        allow_overwrite=allow_overwrite,
        reason=reason,
    )
    return deployment_view(d)


def deployments_(
    ctx: Context, actor: Actor, *, org: str, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Every validation and deployment into ORG."""
    page = deployments.list_deployments(ctx, actor=actor, org=org, cursor=cursor, limit=limit)
    return page_view(page, deployment_view)


def deployment(ctx: Context, actor: Actor, *, deployment_id: int) -> dict[str, Any]:
    """One deployment with its results."""
    return deployment_view(
        deployments.show_deployment(ctx, actor=actor, deployment_id=deployment_id)
    )


def cancel(ctx: Context, actor: Actor, *, deployment_id: int) -> dict[str, Any]:
    """Cancel a queued or running deployment."""
    return deployment_view(deployments.cancel(ctx, actor=actor, deployment_id=deployment_id))


def quick_deploy(ctx: Context, actor: Actor, *, deployment_id: int) -> dict[str, Any]:
    """Deploy a recent successful validation without running it again."""
    return deployment_view(deployments.quick_deploy(ctx, actor=actor, deployment_id=deployment_id))


def rollback(
    ctx: Context,
    actor: Actor,
    *,
    deployment_id: int,
    test_level: str = "default",
    tests: list[str] | None = None,
    allow_overwrite: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Restore exactly what a deployment touched, as a deployment (checks and tests)."""
    d = deployments.rollback(
        ctx,
        actor=actor,
        deployment_id=deployment_id,
        test_level=test_level_named(test_level),
        tests=list(tests or []),
        allow_overwrite=allow_overwrite,
        reason=reason,
    )
    return deployment_view(d)
