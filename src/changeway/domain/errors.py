"""Errors that the domain and services raise; entrypoints turn them into messages."""

from __future__ import annotations


class ChangewayError(Exception):
    """Base of every refusal or failure that a user should see as a clear message."""


class NotFound(ChangewayError):
    """A named thing (org, job, change set, component) does not exist."""


class Refused(ChangewayError):
    """A rule forbids the requested action; nothing was changed."""


class Conflict(ChangewayError):
    """The state moved under the caller (a concurrent change); nothing was changed."""


class InvalidMetadata(ChangewayError):
    """Metadata input is malformed or hostile; the message names the file and the problem."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path if path else ""
        if path and line:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.problem = message
