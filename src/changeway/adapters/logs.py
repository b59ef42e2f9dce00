"""Logs as text or as one JSON object a line, each carrying the request it belongs to
(and the job, where a worker logs one), so that lines of many processes can be joined."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

#: The id of the HTTP request being served in this task or thread.
REQUEST_ID: ContextVar[str | None] = ContextVar("changeway_request_id", default=None)
#: Environment variable by which `serve` hands the format to its server processes.
ENV_FORMAT = "CHANGEWAY_LOG_FORMAT"
FORMATS = ("text", "json")

_STANDARD = frozenset(
    {*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime"}
)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """What a line says besides its message: the request id and the caller's extras."""
    extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    request = REQUEST_ID.get()
    if request is not None:
        extra.setdefault("request_id", request)
    return extra


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request and job ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """A readable line: time, level, logger, message, then ``key=value`` for each field."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        return f"{text} {fields}" if fields else text


def configure(fmt: str) -> None:
    """Send changeway's logs (INFO and up) to standard error in ``fmt`` ("text" or "json")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}: use one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger("changeway")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
