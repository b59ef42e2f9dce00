"""``.forceignore`` matching with gitignore semantics, as Salesforce's tools apply it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Salesforce always ignores these, before the project's own patterns.
DEFAULT_PATTERNS = ("**/*.dup", "**/.*", "**/package2-descriptor.json", "**/package2-manifest.json")


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negated: bool
    directory_only: bool


def _translate(pattern: str) -> str:
    """Regex for one gitignore glob (without leading ``!`` and trailing ``/``)."""
    anchored = "/" in pattern
    pattern = pattern.lstrip("/")
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end + 1
        elif char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return "^" + prefix + "".join(out) + "$"


class ForceIgnore:
    """Decides whether a project-relative POSIX path is ignored."""

    def __init__(self, text: str = "") -> None:
        self._rules: list[_Rule] = []
        for raw in (*DEFAULT_PATTERNS, *text.splitlines()):
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            if line.startswith("\\"):
                line = line[1:]
            directory_only = line.endswith("/")
            line = line.rstrip("/")
            if line:
                self._rules.append(_Rule(re.compile(_translate(line)), negated, directory_only))

    @classmethod
    def for_project(cls, root: Path) -> ForceIgnore:
        """The rules of ``root/.forceignore`` (defaults only when it is absent)."""
        path = root / ".forceignore"
        return cls(path.read_text("utf-8", errors="replace") if path.is_file() else "")

    def _matches(self, path: str, is_dir: bool) -> bool:
        ignored = False
        for rule in self._rules:
            applies = rule.negated == ignored and (is_dir or not rule.directory_only)
            if applies and rule.regex.match(path):
                ignored = not rule.negated
        return ignored

    def ignores_dir(self, path: str) -> bool:
        """True when the folder at ``path`` is ignored (callers walk top-down and prune)."""
        return self._matches(path, True)

    def ignores_file(self, path: str) -> bool:
        """True when the file at ``path`` is ignored, its folders having been accepted."""
        return self._matches(path, False)

    def ignores(self, path: str) -> bool:
        """True when ``path`` or one of its parent folders is ignored."""
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self.ignores_dir("/".join(parts[:depth])):
                return True
        return self.ignores_file(path)
