"""Who is looking at a page: the session cookie, login redirects and CSRF checks."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from changeway.domain.errors import NotAuthenticated, PermissionDenied
from changeway.services.sessions import LoggedIn, resume
from changeway.web.calls import PageError, wired

COOKIE = "changeway_session"
#: The login form's CSRF token travels in this cookie and in the form (double submit).
LOGIN_COOKIE = "changeway_login_csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No usable session: the browser goes to the login page, then back to ``next``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


async def viewer(request: Request) -> LoggedIn:
    """The logged-in session of this request, or a redirect to the login page."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        raise LoginRequired(_here(request))
    try:
        return await run_in_threadpool(resume, wired(request), secret=secret)
    except NotAuthenticated:
        raise LoginRequired(_here(request)) from None


async def checked_form(request: Request) -> tuple[LoggedIn, FormData]:
    """The session and the posted form, refused (403, nothing done) unless the form carries
    the session's CSRF token."""
    session = await viewer(request)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf):
        refusal = PermissionDenied(
            "the form was refused: its CSRF token is missing or out of date; reload the page"
        )
        raise PageError(refusal, session)
    return session, form


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated form field."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def text(form: FormData, name: str, default: str = "") -> str:
    """One form field as text, trimmed."""
    value: Any = form.get(name, default)
    return value.strip() if isinstance(value, str) else default


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query if request.method == "GET" else "/"
