"""``.forceignore`` matching with gitignore semantics, as Salesforce's tools apply it.

Like Salesforce's converter, the rules come from the nearest ``.forceignore`` above what is
read (``ForceIgnore.find``), and patterns match paths relative to that file's folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from changeway.adapters.formats._files import read_regular_text

# Salesforce always ignores these, before the project's own patterns.
DEFAULT_PATTERNS = ("**/*.dup", "**/.*", "**/package2-descriptor.json", "**/package2-manifest.json")


@dataclass(frozen=True)
class _Rule:
    regex: str
    negated: bool
    directory_only: bool


@dataclass(frozen=True)
class _Run:
    """Consecutive rules of one kind (ignoring, or re-including with ``!``), one regex each
    for folders and for files: within a run, the first rule that matches decides."""

    negated: bool
    folders: re.Pattern[str] | None
    files: re.Pattern[str] | None


def _either(rules: list[_Rule]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{r.regex})" for r in rules)) if rules else None


def _runs(rules: list[_Rule]) -> list[_Run]:
    runs: list[list[_Rule]] = []
    for rule in rules:
        if runs and runs[-1][0].negated == rule.negated:
            runs[-1].append(rule)
        else:
            runs.append([rule])
    return [
        _Run(run[0].negated, _either(run), _either([r for r in run if not r.directory_only]))
        for run in runs
    ]


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


PROJECT_FILE = "sfdx-project.json"


class ForceIgnore:
    """Decides whether a POSIX path, relative to the ``.forceignore``'s folder, is ignored."""

    def __init__(self, text: str | None = "", root: Path | None = None) -> None:
        self.root = root
        """The folder of the ``.forceignore`` the rules come from (None: no file)."""
        self._rules: list[_Rule] = []
        # Salesforce's converter applies its defaults only along with a .forceignore file.
        lines = () if text is None else (*DEFAULT_PATTERNS, *text.splitlines())
        for raw in lines:
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
                self._rules.append(_Rule(_translate(line), negated, directory_only))
        self._runs = _runs(self._rules)

    @classmethod
    def find(cls, seed: Path) -> ForceIgnore:
        """The rules of the nearest ``.forceignore`` in ``seed`` or a folder above it, up to the
        project root (the folder with ``sfdx-project.json``); outside a project, ``seed`` and
        its parent. Nothing is ignored when there is none, as in Salesforce's converter."""
        start = seed.resolve()
        chain = [start, *start.parents]
        project = next((i for i, d in enumerate(chain) if (d / PROJECT_FILE).is_file()), None)
        for folder in chain[: (project + 1) if project is not None else 2]:
            text = read_regular_text(folder / ".forceignore")
            if text is not None:
                return cls(text, folder)
        return cls(None)

    def relative(self, path: Path) -> str | None:
        """``path`` relative to the rules' folder (None when it is not below it)."""
        if self.root is None:
            return None
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def _matches(self, path: str, is_dir: bool) -> bool:
        ignored = False
        for run in self._runs:
            regex = run.folders if is_dir else run.files
            if run.negated == ignored and regex is not None and regex.match(path):
                ignored = not run.negated
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
