"""Outbound change sets: create, pick components, dependencies, deletions, upload, clone."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from changeway.web.calls import call, component_search, every
from changeway.web.render import page
from changeway.web.session import checked_form, text, texts, viewer

router = APIRouter()
PICKER_PAGE = 50


def _home(org: str, name: str = "", suffix: str = "") -> str:
    base = f"/orgs/{quote(org)}/outbound-change-sets"
    return f"{base}/{quote(name, safe='')}{suffix}" if name else base


@router.get("/orgs/{org}/outbound-change-sets")
async def outbound_list(request: Request, org: str) -> Response:
    """An org's outbound change sets, and a form for a new one."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    change_sets = await every(request, session, "changeset.list", org=org)
    return page(request, "outbound_list.html", session, org=shown, change_sets=change_sets)


@router.post("/orgs/{org}/outbound-change-sets")
async def outbound_create(request: Request, org: str) -> Response:
    """A new open change set."""
    session, form = await checked_form(request)
    created = await call(
        request,
        session,
        "changeset.create",
        org=org,
        name=text(form, "name"),
        description=text(form, "description"),
    )
    return RedirectResponse(_home(org, created["name"]), status_code=303)


def upload_targets(org: dict[str, Any], connections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every connected org as an upload target: allowed, or disabled with why."""
    return [
        {
            "org": c["org"],
            "allowed": c["accepts_outbound"],
            "why": ""
            if c["accepts_outbound"]
            else f"{c['org']} does not allow inbound changes from {org['name']}",
        }
        for c in connections
    ]


@router.get("/orgs/{org}/outbound-change-sets/{name}")
async def outbound_detail(request: Request, org: str, name: str) -> Response:
    """One change set: its components, and what can be done with it."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    cs = await call(request, session, "changeset.show", org=org, name=name)
    connections = await call(request, session, "connection.list", org=org)
    return page(
        request,
        "outbound_detail.html",
        session,
        org=shown,
        cs=cs,
        targets=upload_targets(shown, connections),
    )


@router.get("/orgs/{org}/outbound-change-sets/{name}/add")
async def picker(
    request: Request, org: str, name: str, type: str = "", q: str = "", cursor: str = ""
) -> Response:
    """The component picker: an org's components by type, searched by name, paged."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    cs = await call(request, session, "changeset.show", org=org, name=name)
    found = await component_search(
        request, session, org=org, type=type, q=q, cursor=cursor, limit=PICKER_PAGE
    )
    chosen = {(c["type"], c["name"]) for c in cs["components"]}
    return page(
        request,
        "picker.html",
        session,
        org=shown,
        cs=cs,
        type=type,
        q=q,
        chosen=chosen,
        **found,
    )


@router.post("/orgs/{org}/outbound-change-sets/{name}/add")
async def add(request: Request, org: str, name: str) -> Response:
    """Add the picked components, and deletions named TYPE:NAME."""
    session, form = await checked_form(request)
    deletions = [line for d in texts(form, "deletions") for line in d.splitlines() if line]
    await call(
        request,
        session,
        "changeset.add",
        org=org,
        name=name,
        components=texts(form, "component"),
        deletions=[d.strip() for d in deletions],
    )
    return RedirectResponse(_home(org, name), status_code=303)


@router.post("/orgs/{org}/outbound-change-sets/{name}/remove")
async def remove(request: Request, org: str, name: str) -> Response:
    """Take components out of an open change set."""
    session, form = await checked_form(request)
    await call(
        request,
        session,
        "changeset.remove",
        org=org,
        name=name,
        components=texts(form, "component"),
    )
    return RedirectResponse(_home(org, name), status_code=303)


@router.get("/orgs/{org}/outbound-change-sets/{name}/dependencies")
async def dependencies(request: Request, org: str, name: str, target: str = "") -> Response:
    """What the change set's components reference that it lacks (and the target too)."""
    session = await viewer(request)
    shown = await call(request, session, "org.show", org=org)
    cs = await call(request, session, "changeset.show", org=org, name=name)
    connections = await call(request, session, "connection.list", org=org)
    needed = await call(
        request, session, "changeset.deps", org=org, name=name, target=target or None
    )
    return page(
        request,
        "dependencies.html",
        session,
        org=shown,
        cs=cs,
        needed=needed,
        target=target,
        targets=[c["org"] for c in connections],
    )


@router.post("/orgs/{org}/outbound-change-sets/{name}/upload")
async def upload(request: Request, org: str, name: str) -> Response:
    """Upload to an org that allows inbound changes from this one (freezes the change set)."""
    session, form = await checked_form(request)
    target = text(form, "to")
    await call(request, session, "changeset.upload", org=org, name=name, to=target)
    return RedirectResponse(_home(org, name, "?uploaded=" + quote(target)), status_code=303)


@router.post("/orgs/{org}/outbound-change-sets/{name}/clone")
async def clone(request: Request, org: str, name: str) -> Response:
    """An open copy of the change set."""
    session, form = await checked_form(request)
    copy = await call(
        request, session, "changeset.clone", org=org, name=name, new_name=text(form, "new_name")
    )
    return RedirectResponse(_home(org, copy["name"]), status_code=303)


@router.post("/orgs/{org}/outbound-change-sets/{name}/dependencies")
async def add_dependencies(request: Request, org: str, name: str) -> Response:
    """Add every missing dependency that this org can supply."""
    session, form = await checked_form(request)
    target = text(form, "target")
    await call(request, session, "changeset.add_deps", org=org, name=name, target=target or None)
    return RedirectResponse(_home(org, name), status_code=303)
