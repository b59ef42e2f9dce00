"""Database faults a user can act on (a full disk, a read-only or damaged store), told in
one clear line instead of a driver's traceback (docs/model.md, "Bad input and faults")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from changeway.domain.errors import StoreUnavailable

_DAMAGED = "the store is not a changeway database or is damaged; restore it from a backup"
_FULL = "the disk holding the store is full; nothing was written"
_READ_ONLY = "the store cannot be written (read-only file, folder or database); nothing was written"
_UNOPENABLE = "the store's file cannot be opened or created (a missing or read-only folder?)"

#: SQLite's messages, by the words that tell them apart.
_SQLITE = {
    "file is not a database": _DAMAGED,
    "database disk image is malformed": _DAMAGED,
    "database or disk is full": _FULL,
    "readonly database": _READ_ONLY,
    "unable to open database file": _UNOPENABLE,
}
#: PostgreSQL's error codes (SQLSTATE). A write in a read-only transaction (25006) is not
#: among them: there it is a fault of the code, which must fail loudly.
_POSTGRESQL = {"53100": _FULL, "XX001": _DAMAGED, "XX002": _DAMAGED}


def store_fault(error: sa.exc.DBAPIError) -> StoreUnavailable | None:
    """The clear error for a fault of the store itself, or None for any other error."""
    code = getattr(error.orig, "sqlstate", None)
    if code in _POSTGRESQL:
        return StoreUnavailable(_POSTGRESQL[code])
    text = str(error.orig).lower()
    for words, message in _SQLITE.items():
        if words in text:
            return StoreUnavailable(message)
    return None


@contextmanager
def store_faults_told() -> Iterator[None]:
    """Inside, a fault of the store itself is raised as :class:`StoreUnavailable`."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        fault = store_fault(error)
        if fault is None:
            raise
        raise fault from error
