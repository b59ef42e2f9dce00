"""The reference scenario of SPEC §2: Prod with sandboxes Dev and Test, and their paths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from changeway.domain.clock import Clock
from changeway.domain.jobs import Job
from changeway.domain.orgs import OrgKind
from changeway.services import connections, orgs, sandboxes
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
        orgs.create_production(uow, clock=clock, actor=actor, name="Prod", initial=SAMPLE_APP)
    for name in ("Dev", "Test"):
        with uow_factory() as uow:
            _, job = sandboxes.create_sandbox(
                uow, clock=clock, actor=actor, name=name, kind=OrgKind.DEVELOPER, source="Prod"
            )
        run_job(job)
    for target, source in REFERENCE_PATHS:
        with uow_factory() as uow:
            connections.allow_inbound(uow, clock=clock, actor=actor, target=target, source=source)
