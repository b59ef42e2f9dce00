"""The append-only audit trail's entries (docs/model.md, "Audit")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Stamp:
    """Who did something, as the trail records it: the user, the entrypoint, and the
    administrator acting as that user (``by``), if any."""

    user: str
    entrypoint: str
    by: str | None = None

    @property
    def label(self) -> str:
        return f"{self.by} acting as {self.user}" if self.by else self.user

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "entrypoint": self.entrypoint, "by": self.by}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stamp:
        return cls(user=data["user"], entrypoint=data["entrypoint"], by=data.get("by"))


@dataclass(frozen=True)
class AuditEvent:
    """Who did what, in which org, when, through which entrypoint, with details."""

    actor: str
    action: str
    org_id: str | None
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    id: int | None = None
    org_name: str | None = None
    user: str | None = None
    by: str | None = None
    entrypoint: str | None = None


@dataclass(frozen=True)
class AuditFilter:
    """Which entries a reader asks for: by org ids, user, action (prefix) and time range."""

    org_ids: frozenset[str] | None = None
    user: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
