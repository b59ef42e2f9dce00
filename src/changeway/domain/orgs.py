"""Orgs and sandboxes: kinds, states, names, limits and lifecycle rules (docs/model.md,
"Orgs and families")."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from changeway.domain.errors import Refused


class OrgKind(StrEnum):
    """A production org or one of the four sandbox types."""

    PRODUCTION = "production"
    DEVELOPER = "developer"
    DEVELOPER_PRO = "developer_pro"
    PARTIAL = "partial"
    FULL = "full"

    @property
    def is_sandbox(self) -> bool:
        return self is not OrgKind.PRODUCTION


SANDBOX_KINDS = tuple(k for k in OrgKind if k.is_sandbox)


class OrgStatus(StrEnum):
    """Where an org is in its lifecycle; only ``active`` orgs are connected."""

    PENDING = "pending"
    PROCESSING = "processing"
    PENDING_ACTIVATION = "pending_activation"
    ACTIVE = "active"
    DELETING = "deleting"
    DELETED = "deleted"
    REPLACED = "replaced"
    DISCARDED = "discarded"


#: States in which an org still holds its name in the family (docs/model.md, "Orgs and
#: families": a name cannot be reused while a sandbox of that name is being deleted).
NAME_HOLDING = frozenset(
    {OrgStatus.PENDING, OrgStatus.PROCESSING, OrgStatus.ACTIVE, OrgStatus.DELETING}
)
#: States that end an org's life; nothing may act on it any more.
GONE = frozenset({OrgStatus.DELETED, OrgStatus.REPLACED, OrgStatus.DISCARDED})
#: States of a refreshed copy that has not (yet) replaced its sandbox. Once activated, the copy
#: keeps ``replaces_id`` (its lineage, used by the audit trail) but is the sandbox itself.
UNACTIVATED_COPY = frozenset(
    {
        OrgStatus.PENDING,
        OrgStatus.PROCESSING,
        OrgStatus.PENDING_ACTIVATION,
        OrgStatus.DISCARDED,
    }
)

DEFAULT_MAX_SANDBOXES = {
    OrgKind.DEVELOPER: 100,
    OrgKind.DEVELOPER_PRO: 5,
    OrgKind.PARTIAL: 1,
    OrgKind.FULL: 1,
}
DEFAULT_REFRESH_DAYS = {
    OrgKind.DEVELOPER: 1,
    OrgKind.DEVELOPER_PRO: 1,
    OrgKind.PARTIAL: 5,
    OrgKind.FULL: 29,
}

_SANDBOX_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}")
_ORG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9 _.-]{0,79}")
_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_org_id(kind: OrgKind) -> str:
    """A fresh immutable id: Salesforce-like prefix (00D production, 0SB sandbox) + 12 chars."""
    prefix = "00D" if kind is OrgKind.PRODUCTION else "0SB"
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def check_sandbox_name(name: str) -> None:
    """Refuse a sandbox name that is not 1-10 letters and digits starting with a letter."""
    if not _SANDBOX_NAME.fullmatch(name):
        raise Refused(
            f"invalid sandbox name {name!r}: use 1-10 letters and digits, starting with a letter"
        )


def check_production_name(name: str) -> None:
    """Refuse a production org name that is empty, too long or uses odd characters."""
    if not _ORG_NAME.fullmatch(name) or "/" in name:
        raise Refused(
            f"invalid org name {name!r}: use up to 80 letters, digits, spaces, '_', '.' or '-',"
            " starting with a letter"
        )


@dataclass(frozen=True)
class SandboxLimits:
    """Per-production settings: how many sandboxes of each type, and refresh intervals."""

    max_sandboxes: dict[OrgKind, int] = field(default_factory=lambda: dict(DEFAULT_MAX_SANDBOXES))
    refresh_days: dict[OrgKind, int] = field(default_factory=lambda: dict(DEFAULT_REFRESH_DAYS))

    def to_json(self) -> dict[str, dict[str, int]]:
        return {
            "max_sandboxes": {k.value: v for k, v in self.max_sandboxes.items()},
            "refresh_days": {k.value: v for k, v in self.refresh_days.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, dict[str, int]] | None) -> SandboxLimits:
        limits = cls()
        if not data:
            return limits
        limits.max_sandboxes.update({OrgKind(k): v for k, v in data["max_sandboxes"].items()})
        limits.refresh_days.update({OrgKind(k): v for k, v in data["refresh_days"].items()})
        return limits


@dataclass(frozen=True)
class Org:
    """A production org or a sandbox. ``production_id`` names the family (itself for production).

    ``source_id`` is the org a sandbox copies from (``None``: production); ``replaces_id`` marks
    a refreshed copy waiting to replace the sandbox it refreshes.
    """

    id: str
    name: str
    kind: OrgKind
    production_id: str
    status: OrgStatus
    created_at: datetime
    copied_at: datetime | None = None
    source_id: str | None = None
    replaces_id: str | None = None
    allow_direct_changes: bool = False
    head_version_id: int | None = None
    limits: SandboxLimits | None = None
    project: Mapping[str, Any] = field(default_factory=dict)
    """How the org's source files are laid out (API version, opt-in decompositions); set by
    imports, copied with the metadata, used when exporting."""

    @property
    def is_production(self) -> bool:
        return self.kind is OrgKind.PRODUCTION

    @property
    def is_active(self) -> bool:
        return self.status is OrgStatus.ACTIVE

    @property
    def is_refresh_copy(self) -> bool:
        """A refreshed copy that has not replaced its sandbox: not the sandbox users name."""
        return self.replaces_id is not None and self.status in UNACTIVATED_COPY

    def require_active(self, action: str) -> None:
        """Refuse ``action`` on an org that is not active, saying what state it is in."""
        if not self.is_active:
            raise Refused(f"cannot {action} {self.name}: it is {self.status.value}")

    def require_direct_changes(self) -> None:
        """Refuse a change that does not come by change set, unless the org allows them
        (production does not by default: docs/model.md, "Metadata and versions")."""
        if not self.allow_direct_changes:
            raise Refused(
                f"{self.name} refuses direct metadata changes: only change sets along"
                " authorized paths change it (an administrator may allow direct changes)",
                details={"rule": "direct_changes", "org": self.name},
            )

    def require_sandbox(self, action: str) -> None:
        """Refuse a sandbox-only ``action`` on a production org."""
        if self.is_production:
            raise Refused(f"cannot {action} {self.name}: it is a production org, not a sandbox")


def departure(org: Org | None) -> str:
    """How an org that is no longer active went away, in words ("refreshed", "deleted")."""
    if org is None:
        return "deleted"
    return {"replaced": "refreshed", "deleting": "deleted"}.get(org.status.value, org.status.value)


def new_production(*, name: str, now: datetime) -> Org:
    """A new active production org; production refuses direct changes by default
    (docs/model.md, "Metadata and versions")."""
    check_production_name(name)
    org_id = new_org_id(OrgKind.PRODUCTION)
    return Org(
        id=org_id,
        name=name,
        kind=OrgKind.PRODUCTION,
        production_id=org_id,
        status=OrgStatus.ACTIVE,
        created_at=now,
        copied_at=now,
        allow_direct_changes=False,
        limits=SandboxLimits(),
    )


def plan_new_sandbox(
    *,
    name: str,
    kind: OrgKind,
    production: Org,
    source: Org,
    family: list[Org],
    now: datetime,
) -> Org:
    """Check every rule for creating (or cloning, when ``source`` is a sandbox) a sandbox.

    Returns the new sandbox in ``pending`` state; raises :class:`Refused` with the reason.
    """
    if not kind.is_sandbox:
        raise Refused(f"{kind.value} is not a sandbox type")
    check_sandbox_name(name)
    production.require_active("create a sandbox in")
    if source.production_id != production.id:
        raise Refused(
            f"cannot clone {source.name}: it belongs to another family than {production.name}"
        )
    source.require_active("copy from")
    holders = [o for o in family if o.status in NAME_HOLDING and not o.is_refresh_copy]
    for other in holders:
        if other.name.lower() == name.lower():
            verb = "is being deleted" if other.status is OrgStatus.DELETING else "exists"
            raise Refused(f"a sandbox named {other.name} {verb} in {production.name}'s family")
    limits = production.limits or SandboxLimits()
    in_use = sum(1 for o in holders if o.kind is kind)
    allowed = limits.max_sandboxes[kind]
    if in_use >= allowed:
        raise Refused(
            f"{production.name} may have at most {allowed} {kind.value} sandbox"
            f"{'es' if allowed != 1 else ''}; it has {in_use}"
        )
    return Org(
        id=new_org_id(kind),
        name=name,
        kind=kind,
        production_id=production.id,
        status=OrgStatus.PENDING,
        created_at=now,
        source_id=None if source.is_production else source.id,
        allow_direct_changes=True,
    )


def next_refresh_allowed(sandbox: Org, production: Org) -> datetime:
    """When ``sandbox`` may next be refreshed: its last copy plus its type's interval."""
    limits = production.limits or SandboxLimits()
    copied = sandbox.copied_at or sandbox.created_at
    return copied + timedelta(days=limits.refresh_days[sandbox.kind])


def plan_refresh(*, sandbox: Org, production: Org, family: list[Org], now: datetime) -> Org:
    """Check the refresh rules and return the refreshed copy (new id, ``pending``)."""
    sandbox.require_sandbox("refresh")
    sandbox.require_active("refresh")
    waiting = [o for o in family if o.replaces_id == sandbox.id and o.status not in GONE]
    if waiting:
        raise Refused(
            f"{sandbox.name} already has a refresh that is {waiting[0].status.value};"
            " activate or discard it first"
        )
    allowed_at = next_refresh_allowed(sandbox, production)
    if now < allowed_at:
        raise Refused(
            f"{sandbox.name} was copied at {_fmt(sandbox.copied_at or sandbox.created_at)};"
            f" a {sandbox.kind.value} sandbox can be refreshed again from {_fmt(allowed_at)}"
        )
    return replace(
        sandbox,
        id=new_org_id(sandbox.kind),
        status=OrgStatus.PENDING,
        created_at=now,
        copied_at=None,
        replaces_id=sandbox.id,
        head_version_id=None,
    )


def refresh_source(sandbox: Org, family: list[Org]) -> str:
    """The org a sandbox copies from: its clone source while active, else production."""
    if sandbox.source_id:
        for org in family:
            if org.id == sandbox.source_id and org.is_active:
                return org.id
    return sandbox.production_id


def require_pending_activation(copy: Org | None, sandbox: Org, action: str) -> Org:
    """Return the refreshed copy of ``sandbox`` that waits for activation, or refuse."""
    sandbox.require_sandbox(action)
    if copy is None or copy.status is not OrgStatus.PENDING_ACTIVATION:
        state = f"its refresh is {copy.status.value}" if copy else "it has no refresh"
        raise Refused(f"cannot {action} {sandbox.name}: {state}, not pending_activation")
    return copy


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
