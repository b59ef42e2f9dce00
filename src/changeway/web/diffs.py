"""Side-by-side rows from a unified diff, for pages that compare two versions of a file.

The services compute unified diffs (``changeway.domain.textdiff``); a page shows removed
lines on the left and added lines on the right, pairing a block of removals with the
additions that follow it. Parsing the unified format is a few lines, kept here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of each side (None: no line there); ``kind`` is same, changed or hunk."""

    left: str | None
    right: str | None
    kind: str


def side_by_side(unified: str) -> list[Row]:
    """The rows of ``unified`` (file headers dropped, each hunk header kept as a row)."""
    rows: list[Row] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for i in range(max(len(removed), len(added))):
            left = removed[i] if i < len(removed) else None
            right = added[i] if i < len(added) else None
            rows.append(Row(left, right, "changed"))
        removed.clear()
        added.clear()

    in_hunk = False
    for line in unified.splitlines():
        if not in_hunk and line.startswith(("--- ", "+++ ")):
            continue
        if line.startswith("@@"):
            in_hunk = True
            flush()
            rows.append(Row(line, line, "hunk"))
        elif line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        elif line.startswith(" "):
            flush()
            rows.append(Row(line[1:], line[1:], "same"))
        elif line.startswith("\\"):
            continue
        else:  # a note such as "Binary files ... differ"
            flush()
            rows.append(Row(line, line, "same"))
    flush()
    return rows
