"""Direct deployments: metadata deployed into an org without a change set, as Salesforce's
Metadata API deploys a zip (docs/model.md, "Salesforce's tools"). They run through the same
job as change set deployments: checks, dependency analysis, tests, atomic apply."""

from __future__ import annotations

from changeway.adapters import formats
from changeway.domain.changesets import Action, Item, Phase
from changeway.domain.deployments import (
    Deployment,
    DeploymentKind,
    TestLevel,
    effective_test_level,
)
from changeway.domain.permissions import Actor, Permission
from changeway.services.context import Context
from changeway.services.deployments import queue_deployment
from changeway.services.lookup import org_for
from changeway.services.versions import store_components


def request_direct_deployment(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    incoming: formats.MetadataSet,
    check_only: bool,
    test_level: TestLevel = TestLevel.DEFAULT,
    tests: list[str] | None = None,
) -> Deployment:
    """Queue a validation (``check_only``) or deployment of ``incoming`` (read and checked
    by the caller) into ``org``: needs modify_metadata there and an org that allows direct
    changes; ``destructive_pre``/``destructive_post`` delete components."""
    verb = "validate" if check_only else "deploy"
    with ctx.uow() as uow:
        target = org_for(
            uow, actor, org, Permission.MODIFY_METADATA, action=f"{verb} metadata into {org}"
        )
        target.require_active("deploy to")
        target.require_direct_changes()
        effective_test_level(test_level, tests or [], target)
        hashes = store_components(uow, incoming.components)
        items = [
            *(Item(k, Action.DELETE, Phase.PRE) for k in incoming.destructive_pre),
            *(Item(k, Action.UPSERT, content=h) for k, h in sorted(hashes.items())),
            *(Item(k, Action.DELETE, Phase.POST) for k in incoming.destructive_post),
        ]
        d = queue_deployment(
            uow,
            ctx,
            actor=actor,
            target=target,
            kind=DeploymentKind.VALIDATION if check_only else DeploymentKind.DEPLOYMENT,
            test_level=test_level,
            tests=list(tests or []),
            items=items,
            what=f"{len(items)} component(s) deployed directly with {actor.entrypoint.value}",
        )
        uow.commit()
    return d
