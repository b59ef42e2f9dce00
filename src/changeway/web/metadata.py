"""Metadata: an org's components by type with search, a component's files highlighted,
the org's history, and comparing two orgs or versions side by side."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from changeway.web.calls import call, component_search
from changeway.web.diffs import side_by_side
from changeway.web.highlight import highlighted, stylesheet
from changeway.web.render import page
from changeway.web.session import viewer

router = APIRouter()
PAGE = 100


@router.get("/static/highlight.css")
def highlight_css() -> Response:
    """The colours of highlighted code."""
    return Response(stylesheet(), media_type="text/css")


@router.get("/orgs/{org}/metadata-browser")
async def browse(
    request: Request, org: str, type: str = "", q: str = "", cursor: str = ""
) -> Response:
    """An org's components, by type, searched by name, a page at a time."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    found = await component_search(
        request, session, org=org, type=type, q=q, cursor=cursor, limit=PAGE
    )
    return page(request, "metadata_browser.html", session, org=shown, type=type, q=q, **found)


@router.get("/orgs/{org}/metadata-browser/{type}/{name:path}")
async def component(
    request: Request, org: str, type: str, name: str, used_by: bool = False
) -> Response:
    """One component's files, highlighted. Which components use it takes an analysis of
    the whole org, so the page asks for it separately (``used_by``; htmx loads it, a link
    does without JavaScript)."""
    session = await viewer(request)
    if used_by:
        users = await call(request, session, "metadata.where_used", org=org, type=type, name=name)
        if request.headers.get("HX-Request"):
            return page(request, "used_by.html", session, used_by=users, org_name=org)
    else:
        users = None
    shown = await call(request, session, "org.show", org=org)
    found = await call(request, session, "metadata.show", org=org, type=type, name=name)
    files = await run_in_threadpool(
        lambda: [{**f, "html": highlighted(f["path"], f["content"])} for f in found["files"]]
    )
    return page(
        request,
        "component.html",
        session,
        org=shown,
        component=found,
        files=files,
        used_by=users,
        org_name=org,
    )


@router.get("/orgs/{org}/history")
async def history(request: Request, org: str, cursor: str = "") -> Response:
    """The org's versions, oldest first, a page at a time."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    found = await call(
        request, session, "metadata.history", org=org, cursor=cursor or None, limit=PAGE
    )
    return page(
        request,
        "history.html",
        session,
        org=shown,
        versions=found["items"],
        next_cursor=found["next_cursor"],
    )


@router.get("/setup/compare")
async def compare(request: Request, a: str = "", b: str = "") -> Response:
    """What differs from A[@N] to B[@N], file by file, side by side."""
    session = await viewer(request)
    result = None
    if a and b:
        result = await call(request, session, "compare", a=a, b=b, diff=True)
        for changed in result["changed"]:
            for f in changed["files"]:
                f["rows"] = side_by_side(f["diff"])
    return page(request, "compare.html", session, a=a, b=b, result=result)
