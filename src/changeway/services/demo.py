"""The reference scenario (docs/model.md, "Connections and authorization"): Prod with
sandboxes Dev and Test, and their promotion paths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from changeway.domain.errors import Refused
from changeway.domain.jobs import Job
from changeway.domain.orgs import OrgKind
from changeway.domain.permissions import Actor
from changeway.services import changesets, connections, deployments, metadata, orgs, sandboxes
from changeway.services.context import Context
from changeway.services.intake import read_checked
from changeway.services.jobs import get_job

#: Who may send to whom: (target, source) — Test → Prod, Prod → Dev, Dev ⇄ Test.
REFERENCE_PATHS = (("Prod", "Test"), ("Dev", "Prod"), ("Dev", "Test"), ("Test", "Dev"))
#: A small app (objects, fields, Apex, an LWC, a layout, a tab, a permission set) for Prod.
SAMPLE_APP = Path(__file__).resolve().parents[1] / "demo" / "sample_app"


def build_reference_scenario(ctx: Context, *, actor: Actor, run_job: Callable[[Job], Job]) -> None:
    """Create Prod (holding the sample app), sandboxes Dev and Test, and the reference paths."""
    orgs.create_production(
        ctx, actor=actor, name="Prod", initial=read_checked(SAMPLE_APP), origin="the sample app"
    )
    for name in ("Dev", "Test"):
        _, job = sandboxes.create_sandbox(
            ctx, actor=actor, name=name, kind=OrgKind.DEVELOPER, source="Prod"
        )
        run_job(job)
    for target, source in REFERENCE_PATHS:
        connections.allow_inbound(ctx, actor=actor, target=target, source=source)


#: A change made in Dev: a new field, and the Apex class that uses it.
SAMPLE_CHANGE = SAMPLE_APP.parent / "sample_change"
RELEASE = ("CustomField:Project__c.Due_Date__c", "ApexClass:ProjectService")


@dataclass(frozen=True)
class Step:
    """One step of the walk-through and what came of it."""

    action: str
    outcome: str
    ok: bool = True
    refused_as_expected: bool = False


def walk_promotion(ctx: Context, *, actor: Actor, run_job: Callable[[Job], Job]) -> list[Step]:
    """Build a change in Dev, promote it Dev → Test → Prod, and show Dev → Prod refused."""
    steps: list[Step] = []
    result = metadata.import_metadata(
        ctx,
        actor=actor,
        org="Dev",
        incoming=read_checked(SAMPLE_CHANGE),
        message="add a due date to projects",
    )
    steps.append(
        Step("change Dev directly", f"{len(result.added)} added, {len(result.changed)} changed")
    )
    for org, name, target in (("Dev", "Release1", "Test"), ("Test", "Release1", "Prod")):
        changesets.create_change_set(
            ctx, actor=actor, org=org, name=name, description="project due dates"
        )
        changesets.add_components(ctx, actor=actor, org=org, name=name, components=list(RELEASE))
        changesets.upload_change_set(ctx, actor=actor, org=org, name=name, target=target)
        steps.append(Step(f"upload {name} {org} → {target}", "uploaded"))
        d = deployments.request_deployment(ctx, actor=actor, org=target, ref=name, check_only=False)
        job = run_job(_job(ctx, d.job_id))
        done = deployments.show_deployment(ctx, actor=actor, deployment_id=d.id)
        outcomes = ", ".join(f"{c.key} {c.outcome.value}" for c in done.components)
        tests = done.tests_result.get("message", "")
        steps.append(
            Step(
                f"deploy {name} in {target}",
                f"{done.status.value}: {outcomes}; tests: {tests}",
                ok=job.status.value == "succeeded",
            )
        )
    changesets.create_change_set(ctx, actor=actor, org="Dev", name="Shortcut")
    changesets.add_components(
        ctx, actor=actor, org="Dev", name="Shortcut", components=list(RELEASE)
    )
    try:
        changesets.upload_change_set(ctx, actor=actor, org="Dev", name="Shortcut", target="Prod")
        steps.append(Step("upload Shortcut Dev → Prod", "uploaded (unexpected!)", ok=False))
    except Refused as refusal:
        steps.append(Step("upload Shortcut Dev → Prod", str(refusal), refused_as_expected=True))
    return steps


def _job(ctx: Context, job_id: int | None) -> Job:
    with ctx.uow(read_only=True) as uow:
        return get_job(uow, job_id or 0)
