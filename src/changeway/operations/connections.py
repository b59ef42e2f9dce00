"""Operations on deployment connections and inbound authorizations."""

from __future__ import annotations

from typing import Any

from changeway.domain.permissions import Actor
from changeway.services import connections
from changeway.services.context import Context
from changeway.views import connection_view, graph_view


def list_(ctx: Context, actor: Actor, *, org: str) -> list[dict[str, Any]]:
    """Each connected org and both directions."""
    return [connection_view(c) for c in connections.list_connections(ctx, actor=actor, org=org)]


def allow(ctx: Context, actor: Actor, *, org: str, source: str) -> dict[str, Any]:
    """ORG allows inbound changes from SOURCE."""
    connections.allow_inbound(ctx, actor=actor, target=org, source=source)
    return {"target": org, "source": source, "allows_inbound": True}


def revoke(ctx: Context, actor: Actor, *, org: str, source: str) -> dict[str, Any]:
    """ORG stops allowing inbound changes from SOURCE."""
    connections.revoke_inbound(ctx, actor=actor, target=org, source=source)
    return {"target": org, "source": source, "allows_inbound": False}


def paths(ctx: Context, actor: Actor, *, org: str) -> dict[str, Any]:
    """The family's authorization matrix and promotion-path edges."""
    return graph_view(connections.family_paths(ctx, actor=actor, org=org))
