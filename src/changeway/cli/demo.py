"""`changeway demo`: builds the reference scenario and shows its promotion paths."""

from __future__ import annotations

import typer

from changeway.cli.context import console, failures, state
from changeway.cli.progress import follow
from changeway.cli.render import graph_text, matrix_table
from changeway.domain.errors import ChangewayError
from changeway.domain.jobs import Job, JobStatus
from changeway.services import connections
from changeway.services.demo import build_reference_scenario, walk_promotion
from changeway.services.deployments import RUN_JOB


def demo(ctx: typer.Context) -> None:
    """Build Prod, Dev and Test with the reference promotion paths; print matrix and graph."""
    s = state(ctx)

    def run(job: Job) -> Job:
        done = follow(s, job, wait=True, as_json=False, label=f"job {job.id}", quiet=True)
        if done.status is not JobStatus.SUCCEEDED and job.kind != RUN_JOB:
            raise ChangewayError(f"job {job.id} {done.status.value}: {done.error}")
        return done

    with failures():
        build_reference_scenario(s.app.uow, clock=s.app.clock, actor=s.actor, run_job=run)
        with s.app.uow() as uow:
            paths = connections.family_paths(uow, org="Prod")
    console.print(matrix_table(paths))
    console.print("\nPromotion paths:")
    console.print(graph_text(paths, "text"), highlight=False)
    console.print("\nA change travels Dev → Test → Prod:")
    with failures():
        steps = walk_promotion(s.app.uow, clock=s.app.clock, actor=s.actor, run_job=run)
    for step in steps:
        mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
        console.print(f" {mark} {step.action}: {step.outcome}", highlight=False)
    console.print(f"\nstore: {s.app.settings.database_url}", highlight=False, soft_wrap=True)
