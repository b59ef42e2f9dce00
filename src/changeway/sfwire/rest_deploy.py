"""The Metadata REST deploy endpoint (``/services/data/vXX.0/metadata/deployRequest``), as
the `sf` CLI uses it with ``SF_ORG_METADATA_REST_DEPLOY=true``: the same deploys, quick
deploys, statuses and cancels as the SOAP endpoint (``deploys``), in JSON."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.types import Message

from changeway.bootstrap import App
from changeway.services.tool_sessions import Session
from changeway.sfwire import deploys
from changeway.sfwire.faults import SalesforceFault
from changeway.sfwire.wire import API_VERSIONS, SessionOf, read_limited

#: The deploy options' part of a request is small JSON; anything bigger is not one.
MAX_OPTIONS = 64 << 10


def router(app: App, session: SessionOf, *, max_upload: int) -> APIRouter:
    """The deployRequest endpoints over ``app``'s store; a zip may be up to ``max_upload``."""
    routes = APIRouter(include_in_schema=False)
    current = Depends(session)
    path = "/services/data/v{version}/metadata/deployRequest"

    @routes.post(path)
    async def start(version: str, request: Request, s: Session = current) -> JSONResponse:
        _version(version)
        body = await read_limited(request, max_upload)
        kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if kind == "application/json":
            validation = _json(body).get("validatedDeployRequestId")
            if not isinstance(validation, str) or not validation:
                raise SalesforceFault(
                    "INVALID_FIELD", "send a zip (multipart) or a validatedDeployRequestId"
                )
            new_id = await run_in_threadpool(deploys.quick_deploy, app, s, validation)
            return JSONResponse({"id": new_id, "validatedDeployRequestId": validation}, 201)
        if kind != "multipart/form-data":
            raise SalesforceFault(
                "INVALID_CONTENT_TYPE", "send multipart/form-data (file, entity_content) or JSON"
            )
        archive, raw_options = await _parts(request, body)
        given = _json(raw_options.encode()).get("deployOptions") or {}
        if not isinstance(given, dict):
            raise SalesforceFault("INVALID_FIELD", "deployOptions must be an object")
        options = deploys.DeployOptions.parse(
            check_only=_flag(given, "checkOnly", False),
            level=str(given.get("testLevel") or "") or None,
            tests=_names(given.get("runTests")),
            rollback_on_error=_flag(given, "rollbackOnError", True),
        )
        scratch = Path(tempfile.mkdtemp(prefix="changeway-sf-zip-"))
        try:
            (scratch / "deploy.zip").write_bytes(archive)
            deploy_id = await run_in_threadpool(
                deploys.deploy_zip, app, s, scratch / "deploy.zip", options
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return JSONResponse(
            {
                "id": deploy_id,
                "url": f"/services/data/v{version}/metadata/deployRequest/{deploy_id}",
                "deployOptions": given,
                "deployResult": {"id": deploy_id, "status": "Pending", "done": False},
            },
            201,
        )

    @routes.get(path + "/{deploy_id}")
    def status(
        version: str, deploy_id: str, includeDetails: bool = False, s: Session = current
    ) -> dict[str, Any]:
        _version(version)
        d = deploys.deployment_of(app, s, deploy_id)
        return {"id": deploy_id, "deployResult": deploys.deploy_result(d, details=includeDetails)}

    @routes.patch(path + "/{deploy_id}")
    async def cancel(
        version: str, deploy_id: str, request: Request, s: Session = current
    ) -> JSONResponse:
        _version(version)
        wanted = _json(await read_limited(request, MAX_OPTIONS)).get("deployResult") or {}
        if not isinstance(wanted, dict) or wanted.get("status") != "Canceling":
            raise SalesforceFault(
                "INVALID_FIELD", 'only {"deployResult": {"status": "Canceling"}} is accepted'
            )
        await run_in_threadpool(deploys.cancel, app, s, deploy_id)
        d = await run_in_threadpool(deploys.deployment_of, app, s, deploy_id)
        return JSONResponse(
            {"id": deploy_id, "deployResult": deploys.deploy_result(d, details=False)}, 202
        )

    return routes


async def _parts(request: Request, body: bytes) -> tuple[bytes, str]:
    """The zip (part ``file``) and the options (part ``entity_content``) of a multipart
    body already read under the upload limit."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(
            max_files=1, max_fields=2, max_part_size=MAX_OPTIONS
        )
    except Exception as error:  # the multipart parser's own errors
        raise SalesforceFault("INVALID_FIELD", f"not a multipart body: {error}") from None
    try:
        upload, options = form.get("file"), form.get("entity_content")
        if not isinstance(upload, UploadFile):
            raise SalesforceFault("INVALID_FIELD", "the zip goes in the part named file")
        archive = await upload.read()
        if isinstance(options, UploadFile):
            options = (await options.read()).decode("utf-8", "replace")
        return archive, options or "{}"
    finally:
        await form.close()


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise SalesforceFault("JSON_PARSER_ERROR", "the body is not JSON") from None
    if not isinstance(value, dict):
        raise SalesforceFault("JSON_PARSER_ERROR", "the body must be a JSON object")
    return value


def _flag(options: dict[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise SalesforceFault("INVALID_FIELD", f"{name} must be true or false, not {value!r}")
    return value


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SalesforceFault("INVALID_FIELD", "runTests must be a list of class names")
    return [v for v in value if v]


def _version(text: str) -> None:
    if text not in API_VERSIONS:
        raise SalesforceFault("NOT_FOUND", f"API version {text} is not supported", 404)
