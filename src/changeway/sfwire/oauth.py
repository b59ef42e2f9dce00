"""`POST /services/oauth2/token` with the JWT bearer grant (RFC 7523), as `sf org login jwt`
sends it. The login URL names the org: ``http://HOST:PORT/org/<ORG>/`` (``org connect-info``
prints it); answers and errors have Salesforce's OAuth shapes."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from changeway.domain.errors import ChangewayError
from changeway.services import jwt_logins
from changeway.sfwire.wire import instance_url, read_limited

log = logging.getLogger("changeway.sfwire")

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: A token request is a small form; anything bigger is not one.
MAX_FORM = 64 << 10
#: Where the ASGI scope keeps the org a login URL names (``/org/<ORG>/services/...``).
ORG_KEY = "changeway.login_org"
_ORG_PATH = re.compile(r"^/org/(?P<org>.+?)(?P<rest>/services/.*)$")


def split_org(path: str) -> tuple[str | None, str]:
    """``/org/<ORG>/services/...`` -> (ORG, ``/services/...``); other paths are unchanged."""
    found = _ORG_PATH.match(path)
    if found is None:
        return None, path
    return found["org"], found["rest"]


def router(app: App) -> APIRouter:
    """The token endpoint over ``app``'s store."""
    routes = APIRouter(include_in_schema=False)

    @routes.post("/services/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        form = parse_qs((await read_limited(request, MAX_FORM)).decode("utf-8", "replace"))
        grant = _one(form, "grant_type")
        if grant != JWT_BEARER:
            return _error("unsupported_grant_type", f"grant type not supported: only {JWT_BEARER}")
        assertion = _one(form, "assertion")
        if not assertion:
            return _error("invalid_grant", "invalid assertion: no assertion was sent")
        org = request.scope.get(ORG_KEY)
        if not org:
            return _error(
                "invalid_grant",
                "the login URL names no org: log in at <server>/org/<ORG>/"
                " (changeway org connect-info ORG prints it)",
            )
        audiences = {ids.login_url(instance_url(request), org)}
        if app.settings.instance_url:
            audiences.add(ids.login_url(app.settings.instance_url, org))
        try:
            new = await run_in_threadpool(
                jwt_logins.login, app, assertion=assertion, org=org, audiences=audiences
            )
        except ChangewayError as error:
            log.info("JWT login refused: %s", error)
            return _error("invalid_grant", str(error))
        base = instance_url(request)
        user_id = ids.numbered(ids.USER, new.token.user_id)
        org_id = ids.org_id(new.token.org_id or "")
        body: dict[str, Any] = {
            "access_token": new.secret,
            "instance_url": base,
            "id": f"{base}/id/{org_id}/{user_id}",
            "token_type": "Bearer",
            "scope": "api",
            "issued_at": str(int(new.token.created_at.timestamp() * 1000)),
        }
        return JSONResponse(body)

    return routes


def _one(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name, [])
    return values[0] if len(values) == 1 else ""


def _error(code: str, description: str) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=400)
