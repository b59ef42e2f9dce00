"""Following a job: a Rich progress bar while it runs in-process, or its id with --no-wait."""

from __future__ import annotations

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from changeway.cli.context import CliState, console, err_console, print_json
from changeway.cli.render import job_dict
from changeway.domain.jobs import Job, JobStatus
from changeway.services.jobs import wait_for, worker_name


def follow(
    state: CliState, job: Job, *, wait: bool, as_json: bool, label: str, quiet: bool = False
) -> Job:
    """Run/await ``job`` unless ``wait`` is off; print the outcome (unless ``quiet``, when the
    caller prints its own); return the final job."""
    if not wait:
        if quiet:
            return job
        if as_json:
            print_json(job_dict(job))
        else:
            console.print(f"job {job.id} queued: follow it with `changeway job wait {job.id}`")
        return job
    app = state.app
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

        def update(current: Job) -> None:
            bar.update(task, completed=current.progress, message=current.message)

        done = wait_for(
            job.id,
            uow_factory=app.uow,
            clock=app.clock,
            worker=worker_name(),
            handlers=app.handlers,
            listener=update,
        )
    if quiet:
        return done
    if as_json:
        print_json(job_dict(done))
    elif done.status is JobStatus.SUCCEEDED:
        console.print(f"{label}: [green]done[/] (job {done.id})")
    else:
        err_console.print(
            f"[bold red]{label}: {done.status.value}[/] (job {done.id}): {done.error}"
        )
    return done
