"""Inbound change sets (preview with diffs, validate, deploy) and deployment status (live
progress, results, cancel, quick deploy, rollback)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from changeway.domain.deployments import TestLevel
from changeway.web.calls import call, every
from changeway.web.diffs import side_by_side
from changeway.web.render import page
from changeway.web.session import checked_form, text, texts, viewer

router = APIRouter()
#: Deployment states that are over (nothing more to poll).
_OVER = {"succeeded", "failed", "canceled"}


@router.get("/orgs/{org}/inbound-change-sets")
async def inbound_list(request: Request, org: str) -> Response:
    """Change sets uploaded to this org."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    found = await every(request, session, "inbound.list", org=org)
    return page(request, "inbound_list.html", session, org=shown, inbound=found)


@router.get("/orgs/{org}/inbound-change-sets/{ref}")
async def inbound_detail(request: Request, org: str, ref: str) -> Response:
    """An inbound change set, what deploying it would change (with diffs), and the forms to
    validate or deploy it."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    inbound = await call(request, session, "inbound.show", org=org, ref=ref)
    preview = await call(request, session, "inbound.preview", org=org, ref=ref)
    for component in preview["components"]:
        for f in component["files"]:
            f["rows"] = side_by_side(f["diff"])
    return page(
        request,
        "inbound_detail.html",
        session,
        org=shown,
        inbound=inbound,
        preview=preview,
        levels=[level.value for level in TestLevel],
    )


@router.post("/orgs/{org}/inbound-change-sets/{ref}/deploy")
async def deploy(request: Request, org: str, ref: str) -> Response:
    """Validate (check only) or deploy, with the chosen test level."""
    session, form = await checked_form(request)
    level = text(form, "test_level", TestLevel.DEFAULT.value)
    tests = [t for line in texts(form, "tests") for t in line.replace(",", " ").split()]
    if text(form, "action") == "validate":
        d = await call(
            request, session, "inbound.validate", org=org, ref=ref, test_level=level, tests=tests
        )
    else:
        overwrite = text(form, "allow_overwrite") == "1"
        d = await call(
            request,
            session,
            "inbound.deploy",
            org=org,
            ref=ref,
            test_level=level,
            tests=tests,
            allow_overwrite=overwrite,
            reason=text(form, "reason") or None,
        )
    return RedirectResponse(f"/setup/deployments/{d['id']}", status_code=303)


@router.get("/orgs/{org}/deployment-status")
async def status(request: Request, org: str) -> Response:
    """Running validations and deployments with live progress, then the history."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    found = await every(request, session, "deployment.list", org=org)
    running = [d for d in found if d["status"] not in _OVER]
    history = [d for d in found if d["status"] in _OVER]
    template = (
        "deployment_running.html" if request.headers.get("HX-Request") else "deployment_status.html"
    )
    return page(request, template, session, org=shown, running=running, history=history)


@router.get("/setup/deployments/{deployment_id}")
async def deployment(request: Request, deployment_id: int) -> Response:
    """One validation or deployment: per-component and per-test results, and its actions."""
    session = await viewer(request)
    d = await call(request, session, "deployment.show", deployment_id=deployment_id)
    target = await call(request, session, "org.show", org=d["target_id"])
    job = await call(request, session, "job.show", job_id=d["job_id"]) if d["job_id"] else None
    template = (
        "deployment_progress.html" if request.headers.get("HX-Request") else "deployment.html"
    )
    return page(request, template, session, d=d, org=target, job=job, over=d["status"] in _OVER)


#: Actions on a deployment a form may ask for, and the operation each runs.
_ACTIONS = {
    "cancel": "deployment.cancel",
    "quick-deploy": "deployment.quick_deploy",
    "rollback": "deployment.rollback",
}


@router.post("/setup/deployments/{deployment_id}/{action}")
async def act(request: Request, deployment_id: int, action: str) -> Response:
    """Cancel, quick-deploy or roll back."""
    session, form = await checked_form(request)
    operation = _ACTIONS.get(action)
    if operation is None:
        return Response(status_code=404)
    params: dict[str, object] = {"deployment_id": deployment_id}
    if action == "rollback":
        params["allow_overwrite"] = text(form, "allow_overwrite") == "1"
        params["reason"] = text(form, "reason") or None
    d = await call(request, session, operation, **params)
    return RedirectResponse(f"/setup/deployments/{d['id']}", status_code=303)
