"""Operations on orgs and sandboxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from changeway.domain.errors import Refused
from changeway.domain.orgs import SANDBOX_KINDS, OrgKind
from changeway.domain.permissions import Actor
from changeway.operations import page_view
from changeway.services import orgs, sandboxes, users
from changeway.services.context import Context
from changeway.views import job_view, org_view

_KINDS = "|".join(k.value for k in SANDBOX_KINDS)


def list_(
    ctx: Context, actor: Actor, *, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Every org the caller may see, family by family."""
    return page_view(orgs.list_orgs(ctx, actor=actor, cursor=cursor, limit=limit), org_view)


def create(
    ctx: Context, actor: Actor, *, name: str, archive: str | None = None, origin: str = ""
) -> dict[str, Any]:
    """A production org, empty or loaded from a project (a folder or zip); administrators."""
    from changeway.services import intake

    initial = intake.read_checked(Path(archive), max_files=ctx.max_input_files) if archive else None
    org = orgs.create_production(
        ctx, actor=actor, name=name, initial=initial, origin=origin or "an import"
    )
    return {
        **org_view(orgs.show_org(ctx, actor=actor, ref=org.id)),
        "skipped": initial.skipped if initial else [],
        "warnings": [str(w) for w in initial.warnings] if initial else [],
    }


def show(ctx: Context, actor: Actor, *, org: str) -> dict[str, Any]:
    """One org with its family, version and any refresh in flight."""
    return org_view(orgs.show_org(ctx, actor=actor, ref=org))


def set_(ctx: Context, actor: Actor, *, org: str, allow_direct_changes: bool) -> dict[str, Any]:
    """Change an org's settings."""
    updated = orgs.set_direct_changes(ctx, actor=actor, org=org, allowed=allow_direct_changes)
    return org_view(orgs.show_org(ctx, actor=actor, ref=updated.id))


def sandbox_kind(text: str) -> OrgKind:
    """A sandbox type as users type it."""
    try:
        kind = OrgKind(text)
    except ValueError:
        raise Refused(f"unknown sandbox type {text!r}: use {_KINDS}") from None
    if not kind.is_sandbox:
        raise Refused(f"unknown sandbox type {text!r}: use {_KINDS}")
    return kind


def sandbox_create(
    ctx: Context, actor: Actor, *, name: str, source: str, kind: str
) -> dict[str, Any]:
    """Create or clone a sandbox: returns the copy job."""
    _, job = sandboxes.create_sandbox(
        ctx, actor=actor, name=name, kind=sandbox_kind(kind), source=source
    )
    return job_view(job)


def refresh(ctx: Context, actor: Actor, *, org: str) -> dict[str, Any]:
    """Refresh a sandbox: returns the copy job."""
    _, job = sandboxes.refresh_sandbox(ctx, actor=actor, ref=org)
    return job_view(job)


def activate(ctx: Context, actor: Actor, *, org: str) -> dict[str, Any]:
    """Replace a sandbox by its refreshed copy."""
    active = sandboxes.activate_sandbox(ctx, actor=actor, ref=org)
    # The sandbox's grants moved to its new identity; show it as the actor now sees it.
    return org_view(orgs.show_org(ctx, actor=users.reloaded(ctx, actor), ref=active.id))


def discard(ctx: Context, actor: Actor, *, org: str) -> dict[str, Any]:
    """Throw away a refreshed copy."""
    kept = sandboxes.discard_refresh(ctx, actor=actor, ref=org)
    return org_view(orgs.show_org(ctx, actor=actor, ref=kept.id))


def delete(ctx: Context, actor: Actor, *, org: str) -> dict[str, Any]:
    """Delete a sandbox: returns the delete job."""
    _, job = sandboxes.delete_sandbox(ctx, actor=actor, ref=org)
    return job_view(job)
