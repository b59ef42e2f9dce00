"""Users and their permissions per org, one's own API tokens, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from changeway.domain.errors import Refused
from changeway.domain.permissions import Permission
from changeway.services.sessions import LoggedIn
from changeway.web.calls import PageError, call, every
from changeway.web.render import page
from changeway.web.session import checked_form, text, texts, viewer

router = APIRouter()
AUDIT_PAGE = 50


@router.get("/setup/users")
async def users_page(request: Request) -> Response:
    """Users with their permissions per org (everyone, for administrators)."""
    session = await viewer(request)
    found = await call(request, session, "user.list")
    orgs = await every(request, session, "org.list")
    managed = [o for o in orgs if session.actor.holds_in(Permission.MANAGE_USERS, o["id"])]
    return page(
        request,
        "users.html",
        session,
        users=found,
        managed=managed,
        permissions=[p.value for p in Permission],
    )


@router.post("/setup/users")
async def users_change(request: Request) -> Response:
    """Create a user (administrators), or grant or revoke permissions in an org."""
    session, form = await checked_form(request)
    if text(form, "action") == "create":
        await call(
            request,
            session,
            "user.create",
            name=text(form, "name"),
            admin=text(form, "admin") == "1",
            password=str(form.get("password", "")) or None,
        )
    else:
        operation = "user.grant" if text(form, "action") == "grant" else "user.revoke"
        await call(
            request,
            session,
            operation,
            user=text(form, "user"),
            org=text(form, "org"),
            permissions=texts(form, "permission"),
        )
    return RedirectResponse("/setup/users", status_code=303)


@router.get("/setup/tokens")
async def tokens_page(request: Request) -> Response:
    """One's own API tokens (never their secrets)."""
    session = await viewer(request)
    found = await call(request, session, "token.list", user=session.actor.name)
    return page(request, "tokens.html", session, tokens=found, new=None)


@router.post("/setup/tokens")
async def tokens_change(request: Request) -> Response:
    """Create a token (its secret shown on this page only), or revoke one."""
    session, form = await checked_form(request)
    new = None
    if text(form, "action") == "revoke":
        await call(request, session, "token.revoke", token_id=int(text(form, "token_id") or 0))
    else:
        new = await call(
            request,
            session,
            "token.create",
            user=session.actor.name,
            expires=text(form, "expires", "90d"),
            note=text(form, "note"),
        )
    found = await call(request, session, "token.list", user=session.actor.name)
    return page(request, "tokens.html", session, tokens=found, new=new)


@router.get("/setup/audit")
async def audit(
    request: Request,
    org: str = "",
    user: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    cursor: str = "",
    limit: int = AUDIT_PAGE,
) -> Response:
    """The audit trail, oldest first, filtered, a page at a time."""
    session = await viewer(request)
    filters = {"org": org, "user": user, "action": action, "since": since, "until": until}
    found = await call(
        request,
        session,
        "audit",
        org=org or None,
        user=user or None,
        action=action or None,
        since=_moment(since, session),
        until=_moment(until, session),
        cursor=cursor or None,
        limit=limit,
    )
    more = found["next_cursor"]
    return page(
        request,
        "audit.html",
        session,
        events=found["items"],
        filters=filters,
        next_url=f"?{urlencode({**filters, 'limit': limit, 'cursor': more})}" if more else "",
    )


def _moment(value: str, session: LoggedIn) -> datetime | None:
    """A date or date and time typed in a filter (UTC)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PageError(
            Refused(f"invalid time {value!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"), session
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
