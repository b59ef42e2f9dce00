"""What every service is given: storage, time and the operator's limits.

Services own their transactions: they open short units of work from ``uow`` (a read-only
one for queries), parse and check input before a write transaction starts, and hold it only
for the write (docs/adr/0008-server-seams.md).
"""

from __future__ import annotations

from typing import Protocol

from changeway.domain.changesets import Limits
from changeway.domain.clock import Clock
from changeway.services.ports import UnitOfWork


class Context(Protocol):
    """The wired application, as services see it."""

    @property
    def clock(self) -> Clock: ...

    @property
    def change_set_limits(self) -> Limits: ...

    @property
    def max_input_files(self) -> int | None: ...

    def uow(self, *, read_only: bool = False) -> UnitOfWork: ...
