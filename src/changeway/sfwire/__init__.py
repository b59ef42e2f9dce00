"""Salesforce's wire protocols over changeway orgs, so that Salesforce's own tools (the `sf`
CLI, VS Code, CI scripts) log in, deploy and retrieve as they would against Salesforce
(docs/model.md, "Salesforce's tools"; docs/adr/0013-salesforce-wire.md)."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from changeway.bootstrap import App
from changeway.services.tool_sessions import Session, open_session
from changeway.sfwire import metadata_api, oauth, rest, rest_deploy, soap
from changeway.sfwire.faults import SalesforceFault, as_faults
from changeway.sfwire.wire import API_VERSIONS, bearer, read_limited

log = logging.getLogger("changeway.sfwire")


def mount(api: FastAPI, app: App, *, max_upload: int) -> None:
    """Serve Salesforce's paths (``/services/...``) from ``api`` over ``app``'s store; a
    deployed zip may be up to ``max_upload`` bytes."""

    async def session(request: Request) -> Session:
        token = bearer(request)
        if token is None:
            raise SalesforceFault("INVALID_SESSION_ID", "Session expired or invalid", 401)
        return await run_in_threadpool(_open, app, token)

    @api.exception_handler(SalesforceFault)
    async def _fault(request: Request, fault: SalesforceFault) -> Response:
        if request.url.path.startswith("/services/Soap/"):
            return _soap_fault(fault)
        return JSONResponse(
            [{"errorCode": fault.code, "message": fault.message}], status_code=fault.status
        )

    @api.post("/services/Soap/m/{version}", include_in_schema=False)
    async def metadata_soap(version: str, request: Request) -> Response:
        if version not in API_VERSIONS:
            raise SalesforceFault("UNSUPPORTED_API_VERSION", f"API version {version} is not served")
        # The zip travels base64-encoded: the envelope's limit is the upload limit.
        body = await read_limited(request, max_upload)
        operation, token, arguments = soap.parse(body)
        handler = metadata_api.OPERATIONS.get(operation)
        if handler is None:
            raise SalesforceFault("INVALID_OPERATION", f"{operation} is not supported")
        if not token:
            raise SalesforceFault("INVALID_SESSION_ID", "Session expired or invalid")
        try:
            s = await run_in_threadpool(_open, app, token)
            results = await run_in_threadpool(handler, app, s, arguments)
        except SalesforceFault:
            raise
        except Exception:
            log.exception("Metadata API %s failed", operation)
            raise SalesforceFault(
                "UNKNOWN_EXCEPTION", "internal error; the server's log has the details"
            ) from None
        return Response(soap.response(operation, results), media_type=soap.CONTENT_TYPE)

    api.include_router(rest.router(session))
    api.include_router(oauth.router(app))
    api.include_router(rest_deploy.router(app, session, max_upload=max_upload))
    api.add_middleware(_LoginPaths)


def _open(app: App, token: str) -> Session:
    with as_faults():
        return open_session(app, token=token)


def _soap_fault(fault: SalesforceFault) -> Response:
    return Response(soap.fault(fault.code, fault.message), 500, media_type=soap.CONTENT_TYPE)


class _LoginPaths:
    """Salesforce's tools join an instance URL ending in '/' with paths starting with one:
    ``//services/...`` means ``/services/...``. A login URL naming an org
    (``/org/<ORG>/services/...``) serves the same paths, the org kept aside for the login."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("//", "/org/")):
            org, path = oauth.split_org(re.sub("/{2,}", "/", scope["path"]))
            scope = {**scope, "path": path, "raw_path": path.encode(), oauth.ORG_KEY: org}
        await self.app(scope, receive, send)
