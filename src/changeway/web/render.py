"""Pages from Jinja2 templates, with what every page shows (who is logged in, CSRF token)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from changeway.domain.permissions import Permission
from changeway.services.sessions import LoggedIn
from changeway.web.session import CSRF_FIELD

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(text: str | None) -> str:
    """An ISO timestamp as a short UTC time."""
    if not text:
        return ""
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")


_ENV.filters["when"] = _when
_ENV.globals["CSRF_FIELD"] = CSRF_FIELD


def page(
    request: Request,
    template: str,
    session: LoggedIn | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` for this request's user."""

    def may(permission: str, org_id: str) -> bool:
        return session is not None and session.actor.holds_in(Permission(permission), org_id)

    html = _ENV.get_template(template).render(
        request=request,
        me=session.actor if session else None,
        csrf=session.csrf if session else "",
        may=may,
        **context,
    )
    return HTMLResponse(html, status_code=status)
