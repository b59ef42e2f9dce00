"""File-level differences of a changed component, with unified text diffs."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FileDiff:
    """One file of a changed component: ``status`` is added, deleted or changed."""

    path: str
    status: str
    diff: str


def file_diffs(
    before: Mapping[str, bytes], after: Mapping[str, bytes], *, label_a: str, label_b: str
) -> list[FileDiff]:
    """Every file that differs between two versions of a component, by path."""
    out: list[FileDiff] = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        status = "added" if old is None else "deleted" if new is None else "changed"
        out.append(FileDiff(path, status, unified(old, new, path, label_a, label_b)))
    return out


def unified(old: bytes | None, new: bytes | None, path: str, label_a: str, label_b: str) -> str:
    """A unified diff of two texts; binary contents are only said to differ."""
    try:
        a = (old or b"").decode("utf-8").splitlines(keepends=True)
        b = (new or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary files {label_a}/{path} and {label_b}/{path} differ\n"
    lines = difflib.unified_diff(a, b, f"{label_a}/{path}", f"{label_b}/{path}")
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
