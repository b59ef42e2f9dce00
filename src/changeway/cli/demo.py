"""`changeway demo`: builds the reference scenario and shows its promotion paths."""

from __future__ import annotations

import typer

from changeway.cli.client import EmbeddedClient
from changeway.cli.context import client, console, failures, print_table
from changeway.cli.progress import follow
from changeway.cli.render import graph_text, matrix_table
from changeway.domain.errors import ChangewayError, Refused
from changeway.domain.jobs import Job
from changeway.services.demo import build_reference_scenario, walk_promotion
from changeway.services.deployments import RUN_JOB
from changeway.services.jobs import get_job


def demo(ctx: typer.Context) -> None:
    """Build Prod, Dev and Test with the reference promotion paths; print matrix and graph."""
    with failures():
        embedded = client(ctx)
        if not isinstance(embedded, EmbeddedClient):
            raise Refused("the demo builds its orgs in an embedded store, not on a server")

    def run(job: Job) -> Job:
        done = follow(
            embedded, {"id": job.id}, wait=True, as_json=False, label=f"job {job.id}", quiet=True
        )
        if done["status"] != "succeeded" and job.kind != RUN_JOB:
            raise ChangewayError(f"job {job.id} {done['status']}: {done['error']}")
        with embedded.app.uow(read_only=True) as uow:
            return get_job(uow, job.id)

    app, actor = embedded.app, embedded.actor
    with failures():
        build_reference_scenario(app, actor=actor, run_job=run)
        paths = embedded.call("connection.paths", org="Prod")
    print_table(matrix_table(paths))
    console.print("\nPromotion paths:")
    console.print(graph_text(paths, "text"), highlight=False)
    console.print("\nA change travels Dev → Test → Prod:")
    with failures():
        steps = walk_promotion(app, actor=actor, run_job=run)
    for step in steps:
        if step.refused_as_expected:
            line = f" [yellow]✗[/] {step.action}: refused, as expected: {step.outcome}"
        else:
            line = f" {'[green]✓[/]' if step.ok else '[red]✗[/]'} {step.action}: {step.outcome}"
        console.print(line, highlight=False)
    console.print(f"\nstore: {app.settings.shown_url}", highlight=False, soft_wrap=True)
