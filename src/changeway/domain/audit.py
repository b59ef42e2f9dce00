"""The append-only audit trail's entries (SPEC §7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEvent:
    """Who did what, in which org, when, with details."""

    actor: str
    action: str
    org_id: str | None
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    id: int | None = None
    org_name: str | None = None
