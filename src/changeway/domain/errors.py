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
