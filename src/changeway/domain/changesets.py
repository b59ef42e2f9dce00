"""Change sets: outbound (open, then closed by upload) and inbound (docs/model.md,
"Change sets")."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from changeway.domain.components import ComponentKey
from changeway.domain.errors import LimitExceeded, NotAuthorized, Refused
from changeway.domain.orgs import Org, departure


class ChangeSetStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Action(StrEnum):
    """What a change set does to a component in the target."""

    UPSERT = "upsert"
    DELETE = "delete"


class Phase(StrEnum):
    """When a deletion happens: before (default) or after the other changes."""

    PRE = "pre"
    POST = "post"


@dataclass(frozen=True)
class Limits:
    """Per-change-set limits (settings), with Salesforce's defaults."""

    max_files: int = 10_000
    max_bytes: int = 400 * 1024 * 1024


@dataclass(frozen=True)
class Item:
    """One component of a change set. ``content`` (component node hash) and ``known`` (every
    content of it that the source org's history has seen) are frozen at upload."""

    key: ComponentKey
    action: Action = Action.UPSERT
    phase: Phase | None = None
    content: str | None = None
    known: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The item as shown and as a deployment records it (without ``known``)."""
        return {
            "type": self.key.type,
            "name": self.key.name,
            "action": self.action.value,
            "phase": self.phase.value if self.phase else None,
            "content": self.content,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        """An item as :meth:`to_json` wrote it."""
        phase = data["phase"]
        return cls(
            ComponentKey(data["type"], data["name"]),
            Action(data["action"]),
            Phase(phase) if phase else None,
            content=data["content"],
        )


@dataclass
class ChangeSet:
    """An outbound change set of ``org_id``."""

    id: int
    org_id: str
    name: str
    description: str
    status: ChangeSetStatus
    created_by: str
    created_at: datetime
    items: dict[ComponentKey, Item] = field(default_factory=dict)
    closed_at: datetime | None = None
    source_version_id: int | None = None

    def require_open(self, action: str) -> None:
        if self.status is not ChangeSetStatus.OPEN:
            raise Refused(
                f"cannot {action} change set {self.name!r}: it is closed (uploaded);"
                " clone it to make an open copy"
            )


_NAME = re.compile(r"\S.{0,79}", re.DOTALL)


def check_change_set_name(name: str) -> None:
    """Refuse an empty or over-long change set name."""
    if not _NAME.fullmatch(name) or name != name.strip() or "\n" in name:
        raise Refused(f"invalid change set name {name!r}: use 1-80 characters on one line")


@runtime_checkable
class Catalog(Protocol):
    """The components of an org version, asked one key or one type at a time."""

    def __contains__(self, key: object) -> bool: ...
    def of_type(self, type_: str) -> Iterable[ComponentKey]: ...


class _SetCatalog:
    """A catalog over an explicit set of keys."""

    def __init__(self, keys: Collection[ComponentKey]) -> None:
        self._keys = set(keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def of_type(self, type_: str) -> Iterable[ComponentKey]:
        return [k for k in self._keys if k.type == type_]


def expand(
    patterns: list[ComponentKey], available: Collection[ComponentKey] | Catalog
) -> list[ComponentKey]:
    """Resolve ``TYPE:NAME`` entries (``*`` and ``?`` wildcards allowed in the name).

    A plain name that the org lacks is refused, naming it; a wildcard that matches nothing too.
    Plain names are looked up one by one; only wildcards list their type.
    """
    catalog = available if isinstance(available, Catalog) else _SetCatalog(available)
    chosen: list[ComponentKey] = []
    missing: list[str] = []
    for pattern in patterns:
        if any(ch in pattern.name for ch in "*?["):
            found = [
                k
                for k in catalog.of_type(pattern.type)
                if fnmatch.fnmatchcase(k.name, pattern.name)
            ]
            if not found:
                missing.append(f"{pattern} (matches nothing)")
            chosen.extend(sorted(found))
        elif pattern in catalog:
            chosen.append(pattern)
        else:
            missing.append(str(pattern))
    if missing:
        raise Refused("the org has no component " + ", ".join(missing))
    return list(dict.fromkeys(chosen))


def check_limits(files: int, size: int, limits: Limits, *, name: str) -> None:
    """Refuse a change set over the file or size limit."""
    if files > limits.max_files:
        raise LimitExceeded(
            f"change set {name!r} has {files} files; the limit is {limits.max_files}"
        )
    if size > limits.max_bytes:
        raise LimitExceeded(
            f"change set {name!r} holds {size / 2**20:.1f} MB; the limit is"
            f" {limits.max_bytes / 2**20:.0f} MB"
        )


class InboundStatus(StrEnum):
    AWAITING = "awaiting_deployment"
    DEPLOYED = "deployed"
    DELETED = "deleted"


@dataclass
class InboundChangeSet:
    """A change set uploaded to ``target_org_id``; its items are the frozen snapshot."""

    id: int
    change_set_id: int
    name: str
    description: str
    source_org_id: str
    target_org_id: str
    uploaded_by: str
    uploaded_at: datetime
    status: InboundStatus
    items: dict[ComponentKey, Item] = field(default_factory=dict)
    deployed_at: datetime | None = None


def require_deployable(
    inbound: InboundChangeSet, source: Org | None, target: Org, *, authorized: bool
) -> None:
    """Refuse to deploy unless the upload still stands: the change set is not deleted, its
    source identity lives (not deleted or refreshed since upload) and ``target`` still allows
    inbound changes from it (``authorized``; docs/model.md, "Change sets")."""
    if inbound.status is InboundStatus.DELETED:
        raise Refused(f"inbound change set {inbound.name!r} was deleted")
    if source is None or not source.is_active:
        name = source.name if source else inbound.source_org_id
        raise Refused(
            f"inbound change set {inbound.name!r} cannot be deployed: its source org {name} was"
            f" {departure(source)} since it was uploaded"
        )
    if not authorized:
        raise NotAuthorized(
            f"inbound change set {inbound.name!r} cannot be deployed: {target.name} no longer"
            f" allows inbound changes from {source.name}, the path it was uploaded along;"
            f" an admin of {target.name} can allow it again",
            details={"source": source.name, "target": target.name, "rule": "path_revoked"},
        )
