"""Names that a formula (fields, validation rules, flows, lookup filters) refers to."""

from __future__ import annotations

import re
from collections.abc import Iterator

from changeway.adapters.references._names import (
    field_key,
    field_path_keys,
    namespaced,
    object_key,
)
from changeway.domain.components import ComponentKey

# String literals and comments are skipped; the rest is scanned for dotted names.
_TOKEN = re.compile(
    r"""(?P<skip>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|/\*.*?\*/)"""
    r"""|(?P<name>\$?[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)""",
    re.DOTALL,
)


def formula_names(
    text: str, obj: str | None, *, globals_only: bool = False
) -> Iterator[tuple[ComponentKey, int]]:
    """Components named by ``text`` with the 0-based line of each, relative to object ``obj``.

    ``globals_only`` keeps only ``$`` names (flows, where bare names are flow variables).
    """
    for match in _TOKEN.finditer(text):
        token = match.group("name")
        if token is None or (globals_only and not token.startswith("$")):
            continue
        line = text.count("\n", 0, match.start())
        for key in _token_keys(token, obj):
            yield key, line


def _token_keys(token: str, obj: str | None) -> list[ComponentKey]:
    if not token.startswith("$"):
        return field_path_keys(token, obj, qualified=False)
    head, _, rest = token.partition(".")
    parts = rest.split(".") if rest else []
    match head.lower(), parts:
        case "$label", [label]:
            return [ComponentKey("CustomLabel", label)]
        case "$label", [namespace, label]:
            return [ComponentKey("CustomLabel", namespaced(f"{namespace}.{label}"))]
        case "$setup", [setting, *fields]:
            return [object_key(setting), *(field_key(setting, f) for f in fields[:1])]
        case "$custommetadata", [mdt_type, record, *fields]:
            return [
                object_key(mdt_type),
                ComponentKey("CustomMetadata", f"{_without_mdt(mdt_type)}.{record}"),
                *(field_key(mdt_type, f) for f in fields[:1]),
            ]
        case "$objecttype", [sobject, *members]:
            fields = members[1:2] if members[:1] and members[0].lower() == "fields" else []
            return [object_key(sobject), *(field_key(sobject, f) for f in fields)]
        case "$permission", [permission]:
            return [ComponentKey("CustomPermission", permission)]
        case "$user", [field, *_]:
            return field_path_keys(field, "User", qualified=False)
        case "$source" | "$record", [*path]:
            return field_path_keys(".".join(path), obj, qualified=False)
    return []


def _without_mdt(name: str) -> str:
    return name[:-5] if name.lower().endswith("__mdt") else name
