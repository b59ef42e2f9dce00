"""Logging in and out: ``/login`` (fields ``username`` and ``password``) and ``/logout``."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from changeway.domain.errors import NotAuthenticated
from changeway.domain.sessions import SESSION_LIFETIME
from changeway.services import sessions
from changeway.web.calls import wired
from changeway.web.render import page
from changeway.web.session import COOKIE, CSRF_FIELD, LOGIN_COOKIE, checked_form, text

router = APIRouter()


def _safe_next(url: str) -> str:
    """Only a path on this server (never another site) is a place to return to."""
    return url if url.startswith("/") and not url.startswith("//") else "/"


def _login_form(request: Request, *, next_url: str, error: str = "", status: int = 200) -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        None,
        status=status,
        login_csrf=token,
        next_url=_safe_next(next_url),
        error=error,
    )
    _cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The login form."""
    return _login_form(request, next_url=next)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the user name and password; open a session and go to the org list (or back)."""
    form = await request.form()
    next_url = _safe_next(text(form, "next", "/"))
    sent, expected = text(form, CSRF_FIELD), request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(sent, expected):
        return _login_form(
            request,
            next_url=next_url,
            error="The form was refused: its CSRF token is missing or out of date. Try again.",
            status=403,
        )
    try:
        opened = await run_in_threadpool(
            sessions.log_in,
            wired(request),
            name=text(form, "username"),
            password=str(form.get("password", "")),
        )
    except NotAuthenticated:
        return _login_form(
            request, next_url=next_url, error="Unknown user or wrong password.", status=401
        )
    response = RedirectResponse(next_url, status_code=303)
    _cookie(request, response, COOKIE, opened.secret, max_age=int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    await checked_form(request)
    await run_in_threadpool(sessions.log_out, wired(request), secret=request.cookies[COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
