"""Operations on jobs."""

from __future__ import annotations

from typing import Any

from changeway.domain.permissions import Actor
from changeway.operations import page_view
from changeway.services import jobs
from changeway.services.context import Context
from changeway.views import job_view


def list_(
    ctx: Context,
    actor: Actor,
    *,
    org: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Jobs, newest first."""
    page = jobs.list_jobs(ctx, actor=actor, org=org, cursor=cursor, limit=limit)
    return page_view(page, job_view)


def show(ctx: Context, actor: Actor, *, job_id: int) -> dict[str, Any]:
    """One job's state, progress and outcome."""
    return job_view(jobs.show_job(ctx, actor=actor, job_id=job_id))
