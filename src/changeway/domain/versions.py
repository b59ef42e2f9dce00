"""Org metadata versions: each change makes one, with a parent, author, reason and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class VersionKind(StrEnum):
    """What made a version."""

    EMPTY = "empty"
    IMPORT = "import"
    COPY = "copy"
    DEPLOYMENT = "deployment"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class OrgVersion:
    """One version of an org's metadata; ``number`` counts from 1 within the org."""

    id: int
    org_id: str
    number: int
    parent_id: int | None
    root: str
    kind: VersionKind
    author: str
    reason: str
    created_at: datetime
    components: int
