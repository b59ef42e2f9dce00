"""Errors that the domain and services raise; entrypoints turn them into messages.

Every error carries a stable machine ``code`` next to its message (docs/model.md, "Errors"),
so that the CLI, the API and other clients can tell refusals apart without parsing text, and
``details`` (JSON-ready) naming what it is about (the org, the permission, ...).
"""

from __future__ import annotations

from typing import Any

#: The HTTP status that the API and the web UI answer each error code with.
HTTP_STATUS = {
    "not_found": 404,
    "not_authenticated": 401,
    "permission_denied": 403,
    "not_authorized": 409,
    "conflict": 409,
    "refused": 409,
    "limit_exceeded": 413,
    "invalid_metadata": 422,
    "invalid_request": 422,
    "schema_outdated": 503,
}


class ChangewayError(Exception):
    """Base of every refusal or failure that a user should see as a clear message."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details: dict[str, Any] = dict(details or {})


class NotFound(ChangewayError):
    """A named thing (org, job, change set, component) does not exist."""

    code = "not_found"


class Refused(ChangewayError):
    """A rule forbids the requested action; nothing was changed."""

    code = "refused"


class NotAuthorized(Refused):
    """A change set may not travel along a path the receiving org has not authorized."""

    code = "not_authorized"


class LimitExceeded(Refused):
    """A change set or an upload is over a limit (files, size)."""

    code = "limit_exceeded"


class Conflict(ChangewayError):
    """The state moved under the caller (a concurrent change); nothing was changed."""

    code = "conflict"


class PermissionDenied(ChangewayError):
    """The acting user lacks the permission an action needs in an org; nothing was changed."""

    code = "permission_denied"


class NotAuthenticated(ChangewayError):
    """No valid identity: a missing, unknown, expired or revoked token, or a bad password."""

    code = "not_authenticated"


class SchemaOutdated(ChangewayError):
    """The store's schema is older (or newer) than this changeway; the message says what to do."""

    code = "schema_outdated"


class StoreUnavailable(ChangewayError):
    """The store cannot be used as it is (a full disk, a read-only or damaged file); the
    message says which, in one line, and nothing was written."""

    code = "store_unavailable"


class InvalidMetadata(ChangewayError):
    """Metadata input is malformed or hostile; the message names the file and the problem."""

    code = "invalid_metadata"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path if path else ""
        if path and line:
            where = f"{path}:{line}"
        super().__init__(
            f"{where}: {message}" if where else message, details={"file": path, "line": line}
        )
        self.problem = message


class MetadataProblems(InvalidMetadata):
    """Every problem found in one metadata input, reported at once (not only the first)."""

    def __init__(self, problems: list[InvalidMetadata]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.problem, path=first.path, line=first.line)
        if len(problems) > 1:
            lines = "\n".join(f"  {problem}" for problem in problems)
            self.args = (f"{len(problems)} problems in the metadata:\n{lines}",)

    @classmethod
    def raise_if_any(cls, problems: list[InvalidMetadata]) -> None:
        """Raise the single problem as it is, several together, nothing when there is none."""
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise cls(problems)
