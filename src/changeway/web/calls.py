"""Calling an operation for a page: in a worker thread, with the session's actor; a refusal
becomes an HTML error page with the refusal's status and message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from changeway.bootstrap import App
from changeway.domain.components import ComponentKey
from changeway.domain.errors import ChangewayError
from changeway.operations import OPERATIONS
from changeway.services import component_dates, metadata
from changeway.services.sessions import LoggedIn


class PageError(Exception):
    """A refusal to show as a page (nothing was changed)."""

    def __init__(self, error: ChangewayError, session: LoggedIn | None) -> None:
        super().__init__(str(error))
        self.error, self.session = error, session


def wired(request: Request) -> App:
    """The application the server was started with."""
    app: App = request.app.state.web_app
    return app


async def call(request: Request, session: LoggedIn, operation: str, **params: Any) -> Any:
    """Run ``operation`` (by its name in ``changeway.operations``) as the session's user."""
    run = OPERATIONS[operation].run
    try:
        return await run_in_threadpool(run, wired(request), session.actor, **params)
    except ChangewayError as error:
        raise PageError(error, session) from None


async def every(request: Request, session: LoggedIn, operation: str, **params: Any) -> list[Any]:
    """Every item of a paged operation."""
    items: list[Any] = []
    cursor = None
    while True:
        found = await call(request, session, operation, cursor=cursor, limit=1000, **params)
        items += found["items"]
        cursor = found["next_cursor"]
        if not cursor:
            return items


async def component_search(
    request: Request, session: LoggedIn, *, org: str, type: str, q: str, cursor: str, limit: int
) -> dict[str, Any]:
    """A page of an org's components of ``type`` with ``q`` in their names, when and by whom
    each last changed, the count of each type the org holds, and the query string of the next
    page (empty on the last)."""
    types = await run_in_threadpool(
        metadata.component_types, wired(request), actor=session.actor, org=org
    )
    found = await call(
        request,
        session,
        "metadata.list",
        org=org,
        type=type or None,
        search=q or None,
        cursor=cursor or None,
        limit=limit,
    )
    more = found["next_cursor"]
    keys = [ComponentKey(c["type"], c["name"]) for c in found["items"]]
    dated = await run_in_threadpool(
        component_dates.dates_of, wired(request), actor=session.actor, org=org, keys=keys
    )
    return {
        "types": types,
        "components": found["items"],
        "modified": {
            str(k): {"at": d.modified_at.isoformat(), "by": d.modified_by} for k, d in dated.items()
        },
        "next_url": f"?{urlencode({'type': type, 'q': q, 'cursor': more})}" if more else "",
    }
