"""`changeway job ...` and `changeway worker`: follow and run durable jobs."""

from __future__ import annotations

import threading

import typer
from rich.table import Table

from changeway.cli.client import EmbeddedClient, all_pages
from changeway.cli.context import (
    client,
    console,
    err_console,
    failures,
    print_fields,
    print_json,
    print_table,
)
from changeway.cli.progress import follow
from changeway.domain.errors import Refused

app = typer.Typer(help="Long-running jobs.", no_args_is_help=True)
_JSON = typer.Option(False, "--json", help="print JSON")


@app.command("show")
def show(ctx: typer.Context, job_id: int, json_: bool = _JSON) -> None:
    """A job's state, progress and outcome."""
    with failures():
        data = client(ctx).call("job.show", job_id=job_id)
    if json_:
        print_json(data)
    else:
        print_fields(data)


@app.command("list")
def list_(
    ctx: typer.Context,
    org: str | None = typer.Option(None, "--org", help="only this org's jobs"),
    json_: bool = _JSON,
) -> None:
    """Jobs, newest first."""
    with failures():
        found = all_pages(client(ctx), "job.list", org=org)
    if json_:
        print_json(found)
        return
    table = Table("Id", "Kind", "Status", "Progress", "By", "Created", "Message")
    for j in found:
        table.add_row(
            str(j["id"]),
            j["kind"],
            j["status"],
            f"{j['progress']:.0%}",
            j["actor"],
            j["created_at"][:16].replace("T", " "),
            j["error"] or j["message"],
        )
    if found:
        print_table(table)
    else:
        console.print("no jobs yet: sandbox copies, refreshes and deployments run as jobs")


@app.command("wait")
def wait(ctx: typer.Context, job_id: int, json_: bool = _JSON) -> None:
    """Follow a job to its end (running it here if no worker has it)."""
    with failures():
        job = client(ctx).call("job.show", job_id=job_id)
    done = follow(client(ctx), job, wait=True, as_json=json_, label=f"job {job_id} ({job['kind']})")
    if done["status"] != "succeeded":
        raise typer.Exit(1)


def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="run what is queued, then stop"),
    idle: float = typer.Option(1.0, "--idle", help="seconds between polls when idle"),
    concurrency: int = typer.Option(1, "--concurrency", help="jobs run at once, on threads"),
    log_format: str = typer.Option("text", "--log-format", help="text or json (one per line)"),
) -> None:
    """Run jobs as they are queued (administrators; several workers may run side by side).

    SIGTERM or Ctrl-C stops after the current jobs; a second one hands them back.
    """
    from changeway.adapters.logs import FORMATS, configure
    from changeway.services.jobs import worker_name
    from changeway.services.worker import Worker, WorkerPool

    with failures():
        embedded = client(ctx)
        if not isinstance(embedded, EmbeddedClient):
            raise Refused("a worker runs next to the store, not against a server")
        if concurrency < 1:
            raise Refused("--concurrency takes a positive number")
        if log_format not in FORMATS:
            raise Refused(f"--log-format takes one of: {', '.join(FORMATS)}")
        embedded.actor.require_admin(action="run a worker")
        configure(log_format)
        app = embedded.app
        name = worker_name()
        console.print(
            f"worker {name} started" + (f" ({concurrency} at once)" if concurrency > 1 else "")
        )
        stop = threading.Event()
        pool = WorkerPool(
            [
                Worker(
                    uow_factory=app.uow,
                    clock=app.clock,
                    handlers=app.handlers,
                    name=name if concurrency == 1 else f"{name}/{i}",
                    idle=idle,
                    stop=stop,
                    on_job=lambda job: console.print(
                        f"job {job.id} ({job.kind}): {job.status.value}"
                    ),
                    on_fault=lambda fault, delay: err_console.print(
                        f"[yellow]store unavailable ({fault.__class__.__name__}); retrying in"
                        f" {delay:.0f} s[/]"
                    ),
                )
                for i in range(1, concurrency + 1)
            ]
        )
        with pool.signals():
            pool.run(once=once)
