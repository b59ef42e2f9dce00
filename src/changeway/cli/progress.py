"""Following a job: a progress bar while it runs, or its id with --no-wait."""

from __future__ import annotations

from typing import Any

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from changeway.cli.client import Client
from changeway.cli.context import console, err_console, failures, print_json

SUCCEEDED = "succeeded"


def follow(
    client: Client,
    job: dict[str, Any],
    *,
    wait: bool,
    as_json: bool,
    label: str,
    quiet: bool = False,
) -> dict[str, Any]:
    """Await ``job`` (a job view) unless ``wait`` is off; print the outcome (unless ``quiet``,
    when the caller prints its own); return the job's final view."""
    if not wait:
        if quiet:
            return job
        if as_json:
            print_json(job)
        else:
            console.print(
                f"job {job['id']} queued: follow it with `changeway job wait {job['id']}`"
            )
        return job
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(label, total=1.0, message="")

        def update(current: dict[str, Any]) -> None:
            bar.update(task, completed=current["progress"], message=current["message"])

        with failures():
            done = client.follow(job["id"], update)
    if quiet:
        return done
    if as_json:
        print_json(done)
    elif done["status"] == SUCCEEDED:
        console.print(f"{label}: [green]done[/] (job {done['id']})")
    else:
        err_console.print(
            f"[bold red]{label}: {done['status']}[/] (job {done['id']}): {done['error']}"
        )
    return done
