"""Wiring the web UI into the server's FastAPI application: its routes (before the API's, whose
org paths would otherwise take them), static files, htmx, and HTML error pages."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from changeway.bootstrap import App
from changeway.domain.errors import HTTP_STATUS
from changeway.web import auth, changesets, deployments, metadata, orgs, setup
from changeway.web.calls import PageError
from changeway.web.render import page
from changeway.web.session import LoginRequired

log = logging.getLogger("changeway.web")

#: Where the npm packages the UI serves are installed (scripts/install puts them in the venv).
ENV_ASSETS = "CHANGEWAY_WEB_ASSETS"
HTMX = Path("htmx.org") / "dist" / "htmx.min.js"


def node_modules() -> Path:
    """The node_modules folder holding htmx (and axe-core for the tests)."""
    configured = os.environ.get(ENV_ASSETS)
    return Path(configured) if configured else Path(sys.prefix) / "node_modules"


def install(api: FastAPI, app: App) -> None:
    """Add the web UI to ``api``: call before the API's routes are added."""
    api.state.web_app = app
    htmx = node_modules() / HTMX
    if not htmx.is_file():
        log.warning("htmx is not installed at %s: pages work, without live updates", htmx)

    @api.get("/static/htmx.min.js", include_in_schema=False)
    def _htmx() -> Response:
        if not htmx.is_file():
            return Response("// htmx is not installed", media_type="text/javascript")
        return FileResponse(htmx, media_type="text/javascript")

    for module in (auth, orgs, changesets, deployments, metadata, setup):
        api.include_router(module.router, include_in_schema=False)

    api.mount(
        "/static",
        StaticFiles(directory=Path(__file__).with_name("static")),
        name="web-static",
    )

    @api.exception_handler(LoginRequired)
    async def _login(_request: Request, error: LoginRequired) -> Response:
        if _request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={_quote(error.next_url)}", status_code=303)

    @api.exception_handler(PageError)
    async def _refused(request: Request, error: PageError) -> HTMLResponse:
        status = HTTP_STATUS.get(error.error.code, 422)
        return page(request, "error.html", error.session, status=status, message=str(error.error))


def _quote(url: str) -> str:
    return quote(url, safe="/")
