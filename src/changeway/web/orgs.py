"""Orgs (the family as a tree), sandbox actions with live job progress, and an org's
deployment settings with the family's promotion-path graph."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from changeway.domain.jobs import JobStatus
from changeway.web.calls import call, every
from changeway.web.graph import promotion_svg
from changeway.web.render import page
from changeway.web.session import checked_form, text, viewer

router = APIRouter()

#: Sandbox actions a form may ask for, and the operation each runs.
_SANDBOX_ACTIONS = {
    "refresh": "sandbox.refresh",
    "activate": "sandbox.activate",
    "discard": "sandbox.discard",
    "delete": "sandbox.delete",
}


def family_trees(orgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each production org with its sandboxes nested under the org they were copied from
    (under the production org when that one is gone or not visible)."""
    by_family: dict[str, list[dict[str, Any]]] = {}
    for org in orgs:
        by_family.setdefault(org["production_id"], []).append({**org, "children": []})
    roots = []
    for members in by_family.values():
        by_name = {m["name"]: m for m in members}
        production = next((m for m in members if m["kind"] == "production"), None)
        for member in members:
            parent = by_name.get(member["source"] or "") or production
            if parent is None or parent is member:
                roots.append(member)
            else:
                parent["children"].append(member)
    return roots


@router.get("/")
async def org_list(request: Request) -> Response:
    """The org list: every family the user may see, as a tree."""
    session = await viewer(request)
    orgs = await every(request, session, "org.list")
    return page(request, "orgs.html", session, trees=family_trees(orgs), orgs=orgs)


@router.post("/sandboxes/new")
async def sandbox_create(request: Request) -> Response:
    """Create (or clone) a sandbox, then follow its copy job."""
    session, form = await checked_form(request)
    job = await call(
        request,
        session,
        "sandbox.create",
        name=text(form, "name"),
        source=text(form, "source"),
        kind=text(form, "kind", "developer"),
    )
    return RedirectResponse(f"/setup/jobs/{job['id']}", status_code=303)


@router.post("/orgs/{org}/sandbox/{action}")
async def sandbox_action(request: Request, org: str, action: str) -> Response:
    """Refresh, activate, discard or delete a sandbox."""
    session, _form = await checked_form(request)
    operation = _SANDBOX_ACTIONS.get(action)
    if operation is None:
        return Response(status_code=404)
    result = await call(request, session, operation, org=org)
    if "progress" in result:
        return RedirectResponse(f"/setup/jobs/{result['id']}", status_code=303)
    return RedirectResponse("/", status_code=303)


@router.get("/setup/jobs/{job_id}")
async def job_page(request: Request, job_id: int) -> Response:
    """A job with live progress."""
    session = await viewer(request)
    job = await call(request, session, "job.show", job_id=job_id)
    template = "job_progress.html" if request.headers.get("HX-Request") else "job.html"
    return page(request, template, session, job=job, done=_finished(job))


def _finished(job: dict[str, Any]) -> bool:
    return JobStatus(job["status"]).is_final


@router.get("/orgs/{org}/deployment-settings")
async def deployment_settings(request: Request, org: str) -> Response:
    """The org's connections and the family's promotion-path graph."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    connections = await call(request, session, "connection.list", org=org)
    paths = await call(request, session, "connection.paths", org=org)
    svg = await run_in_threadpool(
        promotion_svg,
        tuple(paths["orgs"]),
        tuple((e["source"], e["target"]) for e in paths["edges"]),
        shown["name"],
    )
    return page(
        request,
        "deployment_settings.html",
        session,
        org=shown,
        connections=connections,
        paths=paths,
        graph=svg,
    )


@router.post("/orgs/{org}/deployment-settings")
async def change_inbound(request: Request, org: str) -> Response:
    """Allow, or stop allowing, inbound changes from one connected org."""
    session, form = await checked_form(request)
    operation = "connection.allow" if text(form, "allow") == "1" else "connection.revoke"
    await call(request, session, operation, org=org, source=text(form, "source"))
    return RedirectResponse(f"/orgs/{org}/deployment-settings", status_code=303)
