"""Errors as RFC 9457 problem details: the error's code and message, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from changeway.domain.errors import HTTP_STATUS as STATUS
from changeway.domain.errors import ChangewayError

log = logging.getLogger("changeway.api")

MEDIA_TYPE = "application/problem+json"

#: The OpenAPI shape of a problem, for every error response.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": True,
}


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    """A problem-details response."""
    body = {
        "type": f"https://changeway.dev/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(api: FastAPI) -> None:
    """Answer every error as a problem."""

    @api.exception_handler(ChangewayError)
    async def _refused(_request: Request, error: ChangewayError) -> JSONResponse:
        status = STATUS.get(error.code, 422)
        details = {k: v for k, v in error.details.items() if k not in ("type", "title")}
        return problem(status, error.code, str(error), **details)

    @api.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
        )
        return problem(422, "invalid_request", f"invalid request: {where}")

    @api.exception_handler(HTTPException)
    async def _http(_request: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "limit_exceeded"}.get(
            error.status_code, "invalid_request"
        )
        return problem(error.status_code, code, str(error.detail))

    @api.exception_handler(Exception)
    async def _fault(_request: Request, error: Exception) -> JSONResponse:
        log.exception("internal error")  # the trace goes to the server's log, not the client
        return problem(500, "internal_error", "internal error; the server's log has the details")
