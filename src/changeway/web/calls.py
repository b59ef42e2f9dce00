"""Calling an operation for a page: in a worker thread, with the session's actor; a refusal
becomes an HTML error page with the refusal's status and message."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from changeway.bootstrap import App
from changeway.domain.errors import ChangewayError
from changeway.operations import OPERATIONS
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
