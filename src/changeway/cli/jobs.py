"""`changeway job ...` and `changeway worker`: follow and run durable jobs."""

from __future__ import annotations

import time

import typer

from changeway.cli.context import console, failures, print_json, state
from changeway.cli.progress import follow
from changeway.cli.render import job_dict
from changeway.domain.jobs import JobStatus
from changeway.services.jobs import get_job, run_next, worker_name

app = typer.Typer(help="Long-running jobs.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context, job_id: int, json_: bool = typer.Option(False, "--json")) -> None:
    """A job's state, progress and outcome."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        job = get_job(uow, job_id)
    data = job_dict(job)
    if json_:
        print_json(data)
    else:
        for key, value in data.items():
            console.print(f"[bold]{key}[/]: {value}")


@app.command("wait")
def wait(ctx: typer.Context, job_id: int, json_: bool = typer.Option(False, "--json")) -> None:
    """Follow a job to its end (running it here if no worker has it)."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        job = get_job(uow, job_id)
    done = follow(s, job, wait=True, as_json=json_, label=f"job {job_id} ({job.kind})")
    if done.status is not JobStatus.SUCCEEDED:
        raise typer.Exit(1)


def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="run what is queued, then stop"),
    idle: float = typer.Option(1.0, "--idle", help="seconds between polls when idle"),
) -> None:
    """Run jobs as they are queued (several workers may run side by side)."""
    s = state(ctx)
    name = worker_name()
    with failures():
        app = s.app
        console.print(f"worker {name} started")
        while True:
            job = run_next(app.uow, clock=app.clock, worker=name, handlers=app.handlers)
            if job is not None:
                console.print(f"job {job.id} ({job.kind}): {job.status.value}")
                continue
            if once:
                return
            time.sleep(idle)
