"""Recording to and reading the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from changeway.domain.audit import AuditEvent
from changeway.domain.errors import NotFound
from changeway.domain.orgs import Org
from changeway.services.lookup import resolve_org
from changeway.services.ports import UnitOfWork


def record(
    uow: UnitOfWork, *, at: datetime, actor: str, action: str, org: Org | None, **details: Any
) -> None:
    """Append one event in the caller's transaction, so it commits with the change it describes."""
    uow.audit.append(
        AuditEvent(
            actor=actor,
            action=action,
            org_id=org.id if org else None,
            org_name=org.name if org else None,
            details=details,
        ),
        at=at,
    )


def list_audit(uow: UnitOfWork, *, org: str | None = None) -> list[AuditEvent]:
    """The trail, oldest first; with ``org``, the events of every identity that org has had."""
    if org is None:
        return uow.audit.list()
    try:
        target = resolve_org(uow, org)
        ids = {target.id}
        ids.update(_earlier_identities(uow, target))
    except NotFound:
        ids = {o.id for o in uow.orgs.all(include_gone=True) if o.name.lower() == org.lower()}
        if not ids:
            raise
    return uow.audit.list(org_ids=ids)


def _earlier_identities(uow: UnitOfWork, org: Org) -> set[str]:
    """Ids the org had before refreshes replaced them (a refresh gives a new id)."""
    family = {o.id: o for o in uow.orgs.family(org.production_id)}
    ids: set[str] = set()
    current = org
    while current.replaces_id and current.replaces_id in family:
        ids.add(current.replaces_id)
        current = family[current.replaces_id]
    return ids
