"""Every operation changeway offers, defined once: its name, its HTTP endpoint, and the
function that runs it in-process. The CLI calls operations by name (in-process on an
embedded store, over HTTP against a server) and the API serves exactly this table, so the
two cannot drift (docs/adr/0008-server-seams.md).

Run functions take the wired application and the actor, then keyword-only parameters, and
return a view (JSON-ready), or a ``Download``. Modules load only when an operation of
theirs is used, so that the CLI starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Operation:
    """One operation and where it lives over HTTP.

    ``long``: it starts a job (HTTP 202); ``paged``: it returns ``{"items", "next_cursor"}``;
    ``upload``: the parameter that carries an uploaded archive (a zip over HTTP, a local
    folder or zip in-process); ``download``: it returns a ``Download``.
    """

    name: str
    method: str
    path: str
    target: str
    long: bool = False
    paged: bool = False
    upload: str | None = None
    download: bool = False

    @property
    def run(self) -> Callable[..., Any]:
        module, _, function = self.target.partition(":")
        return getattr(import_module(f"changeway.operations.{module}"), function)


def _op(name: str, method: str, path: str, target: str, **flags: Any) -> Operation:
    return Operation(name, method, path, target, **flags)


#: name -> operation. The HTTP paths take org references (NAME, PRODUCTION/NAME or an id).
OPERATIONS = {
    op.name: op
    for op in (
        _op("org.list", "GET", "/orgs", "orgs:list_", paged=True),
        _op("org.create", "POST", "/orgs", "orgs:create", upload="archive"),
        _op("org.show", "GET", "/orgs/{org}", "orgs:show"),
        _op("org.set", "PATCH", "/orgs/{org}", "orgs:set_"),
        _op("sandbox.create", "POST", "/sandboxes", "orgs:sandbox_create", long=True),
        _op("sandbox.refresh", "POST", "/orgs/{org}/refresh", "orgs:refresh", long=True),
        _op("sandbox.activate", "POST", "/orgs/{org}/activate", "orgs:activate"),
        _op("sandbox.discard", "POST", "/orgs/{org}/discard", "orgs:discard"),
        _op("sandbox.delete", "DELETE", "/orgs/{org}", "orgs:delete", long=True),
        _op("connection.list", "GET", "/orgs/{org}/connections", "connections:list_"),
        _op("connection.allow", "PUT", "/orgs/{org}/inbound-from/{source}", "connections:allow"),
        _op(
            "connection.revoke", "DELETE", "/orgs/{org}/inbound-from/{source}", "connections:revoke"
        ),
        _op("connection.paths", "GET", "/orgs/{org}/promotion-paths", "connections:paths"),
        _op("job.list", "GET", "/jobs", "jobs:list_", paged=True),
        _op("job.show", "GET", "/jobs/{job_id}", "jobs:show"),
        _op(
            "metadata.import", "POST", "/orgs/{org}/metadata", "metadata:import_", upload="archive"
        ),
        _op("metadata.export", "GET", "/orgs/{org}/metadata", "metadata:export", download=True),
        _op("metadata.list", "GET", "/orgs/{org}/components", "metadata:list_", paged=True),
        _op("metadata.show", "GET", "/orgs/{org}/components/{type}/{name}", "metadata:show"),
        _op(
            "metadata.where_used",
            "GET",
            "/orgs/{org}/components/{type}/{name}/used-by",
            "metadata:where_used",
        ),
        _op("metadata.history", "GET", "/orgs/{org}/versions", "metadata:history", paged=True),
        _op("compare", "GET", "/compare", "metadata:compare"),
        _op("changeset.list", "GET", "/orgs/{org}/change-sets", "changesets:list_", paged=True),
        _op("changeset.create", "POST", "/orgs/{org}/change-sets", "changesets:create"),
        _op("changeset.show", "GET", "/orgs/{org}/change-sets/{name}", "changesets:show"),
        _op("changeset.add", "POST", "/orgs/{org}/change-sets/{name}/components", "changesets:add"),
        _op(
            "changeset.remove",
            "POST",
            "/orgs/{org}/change-sets/{name}/components/remove",
            "changesets:remove",
        ),
        _op(
            "changeset.upload", "POST", "/orgs/{org}/change-sets/{name}/upload", "changesets:upload"
        ),
        _op("changeset.clone", "POST", "/orgs/{org}/change-sets/{name}/clone", "changesets:clone"),
        _op(
            "changeset.deps",
            "GET",
            "/orgs/{org}/change-sets/{name}/dependencies",
            "changesets:deps",
        ),
        _op(
            "changeset.add_deps",
            "POST",
            "/orgs/{org}/change-sets/{name}/dependencies",
            "changesets:add_deps",
        ),
        _op("inbound.list", "GET", "/orgs/{org}/inbound", "inbound:list_", paged=True),
        _op("inbound.show", "GET", "/orgs/{org}/inbound/{ref}", "inbound:show"),
        _op("inbound.delete", "DELETE", "/orgs/{org}/inbound/{ref}", "inbound:delete"),
        _op("inbound.preview", "GET", "/orgs/{org}/inbound/{ref}/preview", "inbound:preview"),
        _op(
            "inbound.validate",
            "POST",
            "/orgs/{org}/inbound/{ref}/validate",
            "inbound:validate",
            long=True,
        ),
        _op(
            "inbound.deploy",
            "POST",
            "/orgs/{org}/inbound/{ref}/deploy",
            "inbound:deploy",
            long=True,
        ),
        _op(
            "deployment.list", "GET", "/orgs/{org}/deployments", "inbound:deployments_", paged=True
        ),
        _op("deployment.show", "GET", "/deployments/{deployment_id}", "inbound:deployment"),
        _op("deployment.cancel", "POST", "/deployments/{deployment_id}/cancel", "inbound:cancel"),
        _op(
            "deployment.quick_deploy",
            "POST",
            "/deployments/{deployment_id}/quick-deploy",
            "inbound:quick_deploy",
            long=True,
        ),
        _op(
            "deployment.rollback",
            "POST",
            "/deployments/{deployment_id}/rollback",
            "inbound:rollback",
            long=True,
        ),
        _op("audit", "GET", "/audit", "users:audit", paged=True),
        _op("user.list", "GET", "/users", "users:list_"),
        _op("user.me", "GET", "/me", "users:me"),
        _op("user.create", "POST", "/users", "users:create"),
        _op("user.grant", "POST", "/users/{user}/grants", "users:grant"),
        _op("user.revoke", "POST", "/users/{user}/grants/revoke", "users:revoke"),
        _op("user.set_password", "PUT", "/users/{user}/password", "users:set_password"),
        _op("user.jwt_add", "POST", "/users/{user}/jwt-keys", "users:jwt_add"),
        _op("user.jwt_list", "GET", "/jwt-keys", "users:jwt_list"),
        _op("user.jwt_remove", "DELETE", "/users/{user}/jwt-keys", "users:jwt_remove"),
        _op("token.list", "GET", "/tokens", "users:tokens"),
        _op("token.create", "POST", "/tokens", "users:token_create"),
        _op("token.revoke", "DELETE", "/tokens/{token_id}", "users:token_revoke"),
    )
}


@dataclass(frozen=True)
class Download:
    """An archive an operation returns, as a temporary file that its receiver sends, moves
    or deletes (never held whole in memory), and what it holds (sent as headers over HTTP)."""

    path: Path
    filename: str
    about: dict[str, Any]


def page_view(page: Any, view: Callable[[Any], Any]) -> dict[str, Any]:
    """A page of items, each as ``view`` shows it, and the cursor of the next page."""
    return {"items": [view(item) for item in page.items], "next_cursor": page.next_cursor}
