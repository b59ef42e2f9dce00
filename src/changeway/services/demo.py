"""The reference scenario of SPEC §2: Prod with sandboxes Dev and Test, and their paths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from changeway.domain.clock import Clock
from changeway.domain.errors import Refused
from changeway.domain.jobs import Job
from changeway.domain.orgs import OrgKind
from changeway.services import changesets, connections, deployments, metadata, orgs, sandboxes
from changeway.services.intake import read_checked
from changeway.services.jobs import get_job
from changeway.services.ports import UnitOfWorkFactory

#: Who may send to whom: (target, source) — Test → Prod, Prod → Dev, Dev ⇄ Test.
REFERENCE_PATHS = (("Prod", "Test"), ("Dev", "Prod"), ("Dev", "Test"), ("Test", "Dev"))
#: A small app (objects, fields, Apex, an LWC, a layout, a tab, a permission set) for Prod.
SAMPLE_APP = Path(__file__).resolve().parents[1] / "demo" / "sample_app"


def build_reference_scenario(
    uow_factory: UnitOfWorkFactory,
    *,
    clock: Clock,
    actor: str,
    run_job: Callable[[Job], Job],
) -> None:
    """Create Prod (holding the sample app), sandboxes Dev and Test, and the reference paths."""
    with uow_factory() as uow:
        orgs.create_production(
            uow,
            clock=clock,
            actor=actor,
            name="Prod",
            initial=read_checked(SAMPLE_APP),
            origin="the sample app",
        )
    for name in ("Dev", "Test"):
        with uow_factory() as uow:
            _, job = sandboxes.create_sandbox(
                uow, clock=clock, actor=actor, name=name, kind=OrgKind.DEVELOPER, source="Prod"
            )
        run_job(job)
    for target, source in REFERENCE_PATHS:
        with uow_factory() as uow:
            connections.allow_inbound(uow, clock=clock, actor=actor, target=target, source=source)


#: A change made in Dev: a new field, and the Apex class that uses it.
SAMPLE_CHANGE = SAMPLE_APP.parent / "sample_change"
RELEASE = ("CustomField:Project__c.Due_Date__c", "ApexClass:ProjectService")


@dataclass(frozen=True)
class Step:
    """One step of the walk-through and what came of it."""

    action: str
    outcome: str
    ok: bool = True


def walk_promotion(
    uow_factory: UnitOfWorkFactory,
    *,
    clock: Clock,
    actor: str,
    run_job: Callable[[Job], Job],
) -> list[Step]:
    """Build a change in Dev, promote it Dev → Test → Prod, and show Dev → Prod refused."""
    steps: list[Step] = []
    with uow_factory() as uow:
        result = metadata.import_metadata(
            uow,
            clock=clock,
            actor=actor,
            org="Dev",
            path=SAMPLE_CHANGE,
            message="add a due date to projects",
        )
    steps.append(
        Step("change Dev directly", f"{len(result.added)} added, {len(result.changed)} changed")
    )
    for org, name, target in (("Dev", "Release1", "Test"), ("Test", "Release1", "Prod")):
        with uow_factory() as uow:
            changesets.create_change_set(
                uow, clock=clock, actor=actor, org=org, name=name, description="project due dates"
            )
        with uow_factory() as uow:
            changesets.add_components(
                uow, clock=clock, actor=actor, org=org, name=name, components=list(RELEASE)
            )
        with uow_factory() as uow:
            changesets.upload_change_set(
                uow, clock=clock, actor=actor, org=org, name=name, target=target
            )
        steps.append(Step(f"upload {name} {org} → {target}", "uploaded"))
        with uow_factory() as uow:
            d = deployments.request_deployment(
                uow, clock=clock, actor=actor, org=target, ref=name, check_only=False
            )
        job = run_job(_job(uow_factory, d.job_id))
        with uow_factory() as uow:
            done = deployments.get_deployment(uow, deployment_id=d.id)
        outcomes = ", ".join(f"{c.key} {c.outcome.value}" for c in done.components)
        tests = done.tests_result.get("message", "")
        steps.append(
            Step(
                f"deploy {name} in {target}",
                f"{done.status.value}: {outcomes}; tests: {tests}",
                ok=job.status.value == "succeeded",
            )
        )
    with uow_factory() as uow:
        changesets.create_change_set(uow, clock=clock, actor=actor, org="Dev", name="Shortcut")
    with uow_factory() as uow:
        changesets.add_components(
            uow, clock=clock, actor=actor, org="Dev", name="Shortcut", components=list(RELEASE)
        )
    try:
        with uow_factory() as uow:
            changesets.upload_change_set(
                uow, clock=clock, actor=actor, org="Dev", name="Shortcut", target="Prod"
            )
        steps.append(Step("upload Shortcut Dev → Prod", "uploaded (unexpected!)", ok=False))
    except Refused as refusal:
        steps.append(Step("upload Shortcut Dev → Prod", f"refused: {refusal}"))
    return steps


def _job(uow_factory: UnitOfWorkFactory, job_id: int | None) -> Job:
    with uow_factory() as uow:
        return get_job(uow, job_id or 0)
