"""Lists come in pages: a cursor and a limit in, the items and the next cursor out.

Nothing is capped silently: a page that is not the last one says where the next begins.
Cursors are opaque strings to callers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from changeway.domain.errors import Refused

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    """Some items of a list, and the cursor of the next page (None on the last page)."""

    items: list[T]
    next_cursor: str | None = None


def check_limit(limit: int | None) -> int:
    """The page size to use: 1 to MAX_LIMIT (DEFAULT_LIMIT when not given)."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise Refused(f"a page holds 1 to {MAX_LIMIT} items, not {limit}")
    return limit


def cursor_number(cursor: str | None) -> int | None:
    """The position a cursor names (cursors of this module are whole numbers)."""
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise Refused(f"invalid page cursor {cursor!r}")
    return int(cursor)


def page_of(items: Sequence[T], *, cursor: str | None, limit: int | None) -> Page[T]:
    """A page of a list computed in full (small lists: orgs, change sets, versions)."""
    size = check_limit(limit)
    start = cursor_number(cursor) or 0
    chunk = list(items[start : start + size])
    more = start + size < len(items)
    return Page(chunk, str(start + size) if more else None)


def keyset_page(
    fetch: Callable[[int | None, int], list[T]],
    key: Callable[[T], int],
    *,
    cursor: str | None,
    limit: int | None,
) -> Page[T]:
    """A page of a list read from storage by key (``fetch(after_key, n)``): large lists
    (audit, jobs) are never read in full."""
    size = check_limit(limit)
    rows = fetch(cursor_number(cursor), size + 1)
    chunk = rows[:size]
    return Page(chunk, str(key(chunk[-1])) if len(rows) > size else None)
