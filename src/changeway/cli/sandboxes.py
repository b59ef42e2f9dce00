"""`changeway sandbox ...`: create, clone, refresh, activate, discard, delete."""

from __future__ import annotations

import typer

from changeway.cli.context import CliState, console, failures, print_json, state
from changeway.cli.progress import follow
from changeway.cli.render import org_dict
from changeway.domain.errors import Refused
from changeway.domain.jobs import Job, JobStatus
from changeway.domain.orgs import SANDBOX_KINDS, OrgKind
from changeway.services import orgs, sandboxes

app = typer.Typer(
    help="Sandboxes: create, clone, refresh, activate, discard, delete.", no_args_is_help=True
)

_KINDS = "|".join(k.value for k in SANDBOX_KINDS)


@app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    from_: str = typer.Option(..., "--from", help="production org, or a sandbox to clone"),
    kind: str = typer.Option(..., "--type", help=_KINDS),
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Create a sandbox from a production org, or clone a sandbox of the same family."""
    s = state(ctx)
    with failures():
        org_kind = _kind(kind)
        with s.app.uow() as uow:
            _, job = sandboxes.create_sandbox(
                uow, clock=s.app.clock, actor=s.actor, name=name, kind=org_kind, source=from_
            )
    _finish(s, job, wait=wait, as_json=json_, label=f"create {name}")


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    name: str,
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Refresh a sandbox: a new copy that waits for `activate` or `discard`."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        _, job = sandboxes.refresh_sandbox(uow, clock=s.app.clock, actor=s.actor, ref=name)
    _finish(s, job, wait=wait, as_json=json_, label=f"refresh {name}")


@app.command("activate")
def activate(ctx: typer.Context, name: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Replace a sandbox by its refreshed copy (new id; authorizations must be granted again)."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        org = sandboxes.activate_sandbox(uow, clock=s.app.clock, actor=s.actor, ref=name)
    _show(s, org.id, json_, f"activated {org.name}: new id {org.id}")


@app.command("discard")
def discard(ctx: typer.Context, name: str, json_: bool = typer.Option(False, "--json")) -> None:
    """Throw away a refreshed copy and keep the sandbox as it is."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        org = sandboxes.discard_refresh(uow, clock=s.app.clock, actor=s.actor, ref=name)
    _show(s, org.id, json_, f"discarded the refresh of {org.name}")


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: str,
    wait: bool = typer.Option(True, "--wait/--no-wait"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Delete a sandbox; its connections and authorizations go at once."""
    s = state(ctx)
    with failures(), s.app.uow() as uow:
        _, job = sandboxes.delete_sandbox(uow, clock=s.app.clock, actor=s.actor, ref=name)
    _finish(s, job, wait=wait, as_json=json_, label=f"delete {name}")


def _kind(text: str) -> OrgKind:
    try:
        kind = OrgKind(text)
    except ValueError:
        raise Refused(f"unknown sandbox type {text!r}: use {_KINDS}") from None
    if not kind.is_sandbox:
        raise Refused(f"unknown sandbox type {text!r}: use {_KINDS}")
    return kind


def _finish(s: CliState, job: Job, *, wait: bool, as_json: bool, label: str) -> None:
    done = follow(s, job, wait=wait, as_json=as_json, label=label)
    if done.status in (JobStatus.FAILED, JobStatus.CANCELED):
        raise typer.Exit(1)


def _show(s: CliState, org_id: str, as_json: bool, message: str) -> None:
    if as_json:
        with failures(), s.app.uow() as uow:
            print_json(org_dict(orgs.show_org(uow, ref=org_id)))
    else:
        console.print(message)
