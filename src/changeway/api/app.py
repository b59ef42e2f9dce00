"""The FastAPI application: one route per operation, built from ``changeway.operations``
(docs/adr/0008-server-seams.md), token authentication, size limits, problem details."""

from __future__ import annotations

import inspect
import logging
import re
import shutil
import tempfile
import threading
import typing
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ConfigDict, create_model
from starlette.background import BackgroundTask
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import FileResponse, JSONResponse

from changeway.adapters import formats
from changeway.api import problems
from changeway.api.metrics import CONTENT_TYPE, Metrics, Observe
from changeway.bootstrap import App
from changeway.domain.errors import LimitExceeded, NotAuthenticated
from changeway.domain.permissions import Actor, Entrypoint
from changeway.operations import OPERATIONS, Download, Operation
from changeway.services.jobs import worker_name
from changeway.services.users import authenticate_token
from changeway.services.worker import Worker

#: Request bodies other than uploads (JSON) are small.
MAX_REQUEST = 1 << 20
#: Ids are positive 63-bit integers in both stores.
MAX_ID = 2**62
_BEARER = HTTPBearer(auto_error=False, description="an API token (`changeway token create`)")
_CHUNK = 1 << 16


def create_api(
    app: App,
    *,
    max_upload: int,
    workers: int = 1,
    pages: Callable[[FastAPI, App], None] | None = None,
) -> FastAPI:
    """The API over ``app``'s store; uploads up to ``max_upload`` bytes, streamed to disk.
    ``workers`` queued jobs at a time run on threads of this process while it serves (0: the
    API only, jobs left to `changeway worker`); ``pages`` adds routes that come before the
    API's (the web UI)."""
    api = FastAPI(
        lifespan=_lifespan(app, workers),
        title="changeway",
        version="0.1.0",
        summary="Sandboxes, deployment connections and change sets for Salesforce metadata.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    problems.install(api)
    api.add_middleware(_RequestLimit, limit=max(MAX_REQUEST, max_upload))
    metrics = Metrics(app)
    api.add_middleware(Observe, metrics=metrics, log=logging.getLogger("changeway.api.access"))

    def actor(
        credentials: HTTPAuthorizationCredentials | None = Depends(_BEARER),
    ) -> Actor:
        if credentials is None:
            raise NotAuthenticated("not authenticated: send an API token as a Bearer token")
        found, _org = authenticate_token(
            app, token=credentials.credentials, entrypoint=Entrypoint.API
        )
        return found

    @api.get("/healthz", tags=["server"], responses={503: _problem("the store is unavailable")})
    def healthz() -> dict[str, str]:
        """200 when the server can reach its store."""
        with app.uow(read_only=True) as uow:
            uow.users.count()
        return {"status": "ok"}

    @api.get("/readyz", tags=["server"], responses={503: _problem("not ready to serve")})
    def readyz() -> Any:
        """200 when the store answers and its schema is this changeway's (a load balancer
        sends requests only to a ready server)."""
        why = app.unready()
        if why is not None:
            return problems.problem(503, "not_ready", why)
        return {"status": "ready"}

    @api.get("/metrics", tags=["server"], response_class=Response)
    def metrics_() -> Response:
        """Prometheus metrics: requests, the job queue, job run times, deployments."""
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    if pages is not None:
        pages(api, app)
    for op in sorted(OPERATIONS.values(), key=_specific_first):
        _route(api, app, op, actor, max_upload)
    return api


def _lifespan(app: App, workers: int) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        name = worker_name()
        threads = [
            threading.Thread(
                target=Worker(
                    uow_factory=app.uow,
                    clock=app.clock,
                    handlers=app.handlers,
                    name=name if workers == 1 else f"{name}/{i}",
                    stop=stop,
                ).run,
                name=f"changeway-worker-{i}",
                daemon=True,
            )
            for i in range(1, workers + 1)
        ]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

    return lifespan


def _specific_first(op: Operation) -> tuple[int, str]:
    """Routes with more fixed path segments first: org references may contain a slash."""
    fixed = [s for s in op.path.split("/") if s and not s.startswith("{")]
    return (-len(fixed), op.path)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {problems.MEDIA_TYPE: {"schema": problems.PROBLEM_SCHEMA}},
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("a malformed request"),
    401: _problem("not authenticated"),
    403: _problem("a permission is missing"),
    404: _problem("not found"),
    409: _problem("refused by a rule"),
    413: _problem("over a size limit"),
    422: _problem("invalid request or metadata"),
}
#: Path parameters that may hold a slash (PRODUCTION/NAME, foldered component names).
_SLASHED = {"org", "name", "ref", "source"}


def _route(
    api: FastAPI, app: App, op: Operation, actor: Callable[..., Actor], max_upload: int
) -> None:
    run = op.run
    hints = typing.get_type_hints(run)
    params = list(inspect.signature(run).parameters.values())[2:]
    in_path = set(re.findall(r"{(\w+)}", op.path))
    signature = [_param("actor", Actor, Depends(actor))]
    body: dict[str, Any] = {}
    for p in params:
        kind = hints[p.name]
        default = ... if p.default is inspect.Parameter.empty else p.default
        if p.name in in_path:
            bound = PathParam(..., ge=1, le=MAX_ID) if kind is int else PathParam(...)
            signature.append(_param(p.name, kind, bound))
        elif p.name == op.upload:
            continue
        elif op.method in ("GET", "DELETE") or op.upload:
            signature.append(_param(p.name, kind, Query(default)))
        else:
            body[p.name] = (kind, default)
    if body:
        model = create_model(_model_name(op), __config__=ConfigDict(extra="forbid"), **body)
        signature.append(_param("body", model, ...))
    if op.upload:
        signature.append(_param("request", Request, ...))

    status = 202 if op.long else 200

    async def endpoint(**kwargs: Any) -> Any:
        who: Actor = kwargs.pop("actor")
        payload = kwargs.pop("body", None)
        request: Request | None = kwargs.pop("request", None)
        if payload is not None:
            kwargs.update(payload.model_dump())
        scratch = None
        try:
            if op.upload and request is not None:
                scratch, archive = await _receive(request, max_upload, app.max_input_files)
                if archive is None and op.upload not in _optional(params):
                    raise HTTPException(422, "send the project as a zip in the request body")
                kwargs[op.upload] = str(archive) if archive else None
            result = await run_in_threadpool(run, app, who, **kwargs)
        finally:
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
        if isinstance(result, Download):
            return _download(result)
        # Views are plain JSON already: skip FastAPI's recursive encoder (a quarter of a
        # listing's server time), with the same bytes it would print.
        return JSONResponse(result, status_code=status)

    endpoint.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    endpoint.__name__ = op.name.replace(".", "_")
    path = op.path
    for name in in_path & _SLASHED:
        path = path.replace(f"{{{name}}}", f"{{{name}:path}}")
    extra: dict[str, Any] = {}
    if op.upload:
        extra["requestBody"] = {
            "required": op.upload not in _optional(params),
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    responses = dict(_ERRORS)
    if op.download:
        responses[200] = {
            "description": "a zip archive",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    options: dict[str, Any] = {"response_class": Response} if op.download else {}
    api.add_api_route(
        path,
        endpoint,
        methods=[op.method],
        status_code=status,
        name=op.name,
        operation_id=op.name,
        summary=(inspect.getdoc(run) or op.name).split("\n")[0],
        tags=[op.name.split(".")[0]],
        responses=responses,
        openapi_extra=extra or None,
        **options,
    )


def _param(name: str, kind: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)


def _optional(params: list[inspect.Parameter]) -> set[str]:
    return {p.name for p in params if p.default is not inspect.Parameter.empty}


def _model_name(op: Operation) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", op.name)) + "Body"


async def _receive(
    request: Request, limit: int, max_files: int | None
) -> tuple[Path | None, Path | None]:
    """Stream an uploaded zip to a scratch file (refused past ``limit`` bytes), then unpack it
    with every check a zip gets (at most ``max_files`` files); the scratch folder and the
    project folder (None: no body)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise LimitExceeded(f"the upload is over the limit of {limit // 2**20} MB")
    scratch = Path(tempfile.mkdtemp(prefix="changeway-upload-"))
    archive = scratch / "upload.zip"
    size = 0
    try:
        with archive.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise LimitExceeded(f"the upload is over the limit of {limit // 2**20} MB")
                out.write(chunk)
        if not size:
            return scratch, None
        target = scratch / "project"
        target.mkdir()
        project = await run_in_threadpool(
            partial(formats.unpack_archive, max_files=max_files), archive, target
        )
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return scratch, project


def _download(download: Download) -> Response:
    """Send the archive's file in chunks, then delete it."""
    headers = {
        "Content-Disposition": f'attachment; filename="{download.filename}"',
        **{f"X-Changeway-{k.capitalize()}": str(v) for k, v in download.about.items()},
    }
    return FileResponse(
        download.path,
        media_type="application/zip",
        headers=headers,
        background=BackgroundTask(download.path.unlink, missing_ok=True),
    )


class _RequestLimit(BaseHTTPMiddleware):
    """Refuse a request whose declared size is over the limit before reading it."""

    def __init__(self, app: Any, *, limit: int) -> None:
        super().__init__(app)
        self.limit = limit

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            return problems.problem(
                413, "limit_exceeded", f"the request is over the limit of {self.limit} bytes"
            )
        return await call_next(request)
