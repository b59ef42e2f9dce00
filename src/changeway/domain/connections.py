"""Deployment connections and inbound authorization: the promotion paths (docs/model.md,
"Connections and authorization").

Connections are derived, never stored: every two distinct active orgs of one family are
connected. Authorizations are stored as (target, source) pairs, granted by the target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from changeway.domain.errors import NotAuthorized, Refused
from changeway.domain.orgs import Org


@dataclass(frozen=True, order=True)
class Authorization:
    """``target`` allows inbound changes from ``source``."""

    target_id: str
    source_id: str


@dataclass(frozen=True)
class Connection:
    """How ``org`` and ``other`` may exchange change sets, seen from ``org``."""

    org: Org
    other: Org
    allows_inbound: bool
    accepts_outbound: bool


def connected(a: Org, b: Org) -> bool:
    """Whether a deployment connection exists between ``a`` and ``b``."""
    return a.id != b.id and a.production_id == b.production_id and a.is_active and b.is_active


def can_upload(source: Org, target: Org, authorizations: Iterable[Authorization]) -> bool:
    """Whether a change set may travel from ``source`` to ``target`` now."""
    wanted = Authorization(target.id, source.id)
    return connected(source, target) and wanted in set(authorizations)


def require_upload_allowed(
    source: Org, target: Org, authorizations: Iterable[Authorization]
) -> None:
    """Refuse an upload from ``source`` to ``target``, saying why, unless it is authorized."""
    if not connected(source, target):
        raise Refused(_not_connected(source, target))
    if not can_upload(source, target, authorizations):
        raise NotAuthorized(
            f"{target.name} does not allow inbound changes from {source.name};"
            f" an admin of {target.name} can allow it",
            details={"source": source.name, "target": target.name},
        )


def require_connected(source: Org, target: Org) -> None:
    """Refuse to authorize a direction that has no deployment connection."""
    if not connected(source, target):
        raise Refused(_not_connected(source, target))


def _not_connected(source: Org, target: Org) -> str:
    if source.id == target.id:
        return f"an org has no connection to itself ({source.name})"
    if source.production_id != target.production_id:
        return (
            f"{source.name} and {target.name} belong to different families; they are not connected"
        )
    inactive = source if not source.is_active else target
    return f"{inactive.name} is {inactive.status.value}; only active orgs are connected"


def connections_of(
    org: Org, family: Iterable[Org], authorizations: Iterable[Authorization]
) -> list[Connection]:
    """Every connection of ``org`` with its two directions, ordered by the other org's name."""
    granted = set(authorizations)
    return [
        Connection(
            org=org,
            other=other,
            allows_inbound=Authorization(org.id, other.id) in granted,
            accepts_outbound=Authorization(other.id, org.id) in granted,
        )
        for other in sorted(family, key=_order)
        if connected(org, other)
    ]


@dataclass(frozen=True)
class PromotionPaths:
    """A family's active orgs and its authorized directions (source -> target)."""

    orgs: list[Org]
    edges: list[tuple[Org, Org]]

    def allows(self, target: Org, source: Org) -> bool:
        return any(s.id == source.id and t.id == target.id for s, t in self.edges)


def promotion_paths(
    family: Iterable[Org], authorizations: Iterable[Authorization]
) -> PromotionPaths:
    """The family's promotion-path graph: active orgs as nodes, authorized directions as edges."""
    orgs = sorted((o for o in family if o.is_active), key=_order)
    by_id = {o.id: o for o in orgs}
    edges = sorted(
        (
            (by_id[a.source_id], by_id[a.target_id])
            for a in authorizations
            if a.source_id in by_id
            and a.target_id in by_id
            and connected(by_id[a.source_id], by_id[a.target_id])
        ),
        key=lambda e: (_order(e[0]), _order(e[1])),
    )
    return PromotionPaths(orgs=orgs, edges=edges)


def stale_authorizations(
    org_id: str, authorizations: Iterable[Authorization]
) -> list[Authorization]:
    """Authorizations that involve ``org_id``: they go when that identity stops being active."""
    return [a for a in authorizations if org_id in (a.target_id, a.source_id)]


def _order(org: Org) -> tuple[int, str]:
    return (0 if org.is_production else 1, org.name.lower())
