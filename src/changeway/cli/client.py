"""How commands reach changeway: by operation name, in-process on an embedded store (and,
later, over HTTP against a server). Commands never call services directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from changeway.bootstrap import App
from changeway.domain.jobs import Job
from changeway.domain.permissions import Actor
from changeway.operations import OPERATIONS
from changeway.views import job_view

JobListener = Callable[[dict[str, Any]], None]


class Client(Protocol):
    """Runs operations (docs/adr/0008-server-seams.md) and follows the jobs they start."""

    def call(self, operation: str, /, **params: Any) -> Any: ...

    def follow(self, job_id: int, listener: JobListener | None = None) -> dict[str, Any]: ...


class EmbeddedClient:
    """Operations run in this process against the embedded store, as ``actor``."""

    def __init__(self, app: App, actor: Actor) -> None:
        self.app = app
        self.actor = actor

    def call(self, operation: str, /, **params: Any) -> Any:
        return OPERATIONS[operation].run(self.app, self.actor, **params)

    def follow(self, job_id: int, listener: JobListener | None = None) -> dict[str, Any]:
        """Run the job here when no worker has it, reporting progress; its final view."""
        from changeway.services.jobs import wait_for, worker_name

        self.call("job.show", job_id=job_id)  # the actor may see it

        def report(job: Job) -> None:
            if listener:
                listener(job_view(job))

        done = wait_for(
            job_id,
            uow_factory=self.app.uow,
            clock=self.app.clock,
            worker=worker_name(),
            handlers=self.app.handlers,
            listener=report,
        )
        return job_view(done)


#: Items asked for per page when a command reads a whole list.
PAGE = 1000


def all_pages(client: Client, operation: str, /, **params: Any) -> list[Any]:
    """Every item of a paged operation, following the cursors."""
    return [item for page in pages(client, operation, **params) for item in page]


def pages(client: Client, operation: str, /, **params: Any) -> Iterator[list[Any]]:
    """The pages of a paged operation as they come, following the cursors. The first is
    read at once, so that a refusal comes before anything is printed."""
    first = client.call(operation, **params, cursor=None, limit=PAGE)
    return _following(client, operation, params, first)


def _following(
    client: Client, operation: str, params: dict[str, Any], page: dict[str, Any]
) -> Iterator[list[Any]]:
    while True:
        yield page["items"]
        if page["next_cursor"] is None:
            return
        page = client.call(operation, **params, cursor=page["next_cursor"], limit=PAGE)
