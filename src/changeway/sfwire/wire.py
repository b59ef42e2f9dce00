"""What every Salesforce-shaped endpoint shares: API versions, the instance URL, sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from changeway.services.tool_sessions import Session
from changeway.sfwire.faults import SalesforceFault

#: The API versions served; the client takes the highest as the org's.
API_VERSIONS = tuple(f"{v}.0" for v in range(31, 63))
LATEST = API_VERSIONS[-1]

SessionOf = Callable[..., Awaitable[Session]]


def instance_url(request: Request) -> str:
    """The server's address as the client reached it (no trailing slash)."""
    return str(request.base_url).rstrip("/")


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer|OAuth <token>`` header."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes (declared or sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SalesforceFault(
            "EXCEEDED_MAX_SIZE_REQUEST", f"the request is over {limit // 2**20} MB", 413
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise SalesforceFault(
                "EXCEEDED_MAX_SIZE_REQUEST", f"the request is over {limit // 2**20} MB", 413
            )
        chunks.append(chunk)
    return b"".join(chunks)
