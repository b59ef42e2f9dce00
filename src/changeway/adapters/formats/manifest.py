"""``package.xml`` and ``destructiveChanges*.xml`` manifests, formatted as Salesforce does."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from changeway.adapters.formats import _safexml
from changeway.adapters.formats._files import read_file
from changeway.adapters.formats.limits import Budget
from changeway.domain.components import ComponentKey
from changeway.domain.errors import InvalidMetadata

_NS = "http://soap.sforce.com/2006/04/metadata"
_ESCAPES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ("'", "&apos;"), ('"', "&quot;"))


def _escape(text: str) -> str:
    for char, entity in _ESCAPES:
        text = text.replace(char, entity)
    return text


def package_xml(keys: Iterable[ComponentKey], api_version: str | None) -> bytes:
    """A manifest listing ``keys``: types by name, members sorted, 4-space indentation."""
    members: dict[str, set[str]] = {}
    for key in keys:
        members.setdefault(key.type, set()).add(key.name)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<Package xmlns="{_NS}">']
    for type_name in sorted(members):
        lines.append("    <types>")
        lines.extend(f"        <members>{_escape(m)}</members>" for m in sorted(members[type_name]))
        lines.append(f"        <name>{_escape(type_name)}</name>")
        lines.append("    </types>")
    if api_version:
        lines.append(f"    <version>{_escape(api_version)}</version>")
    lines.append("</Package>")
    return ("\n".join(lines) + "\n").encode()


def parse_manifest(source: str | Path | bytes, where: str = "package.xml") -> list[tuple[str, str]]:
    """(type, member) pairs of a manifest (a file, or its bytes named ``where``); members may
    be ``*``. A missing file, a folder or a FIFO is a clear error, never a traceback."""
    if isinstance(source, bytes):
        data = source
    else:
        path, where = Path(source), str(source)
        if path.is_dir():
            raise InvalidMetadata("is a folder; give the package.xml file", path=where)
        if not path.exists():
            raise InvalidMetadata("no such manifest file", path=where)
        data = read_file(path, where, Budget())
    root = _safexml.check(data, where)
    if not isinstance(root.tag, str) or root.tag.rsplit("}", 1)[-1] != "Package":
        raise InvalidMetadata("a manifest's root element must be Package", path=where)
    pairs: list[tuple[str, str]] = []
    for types in root:
        if not isinstance(types.tag, str) or types.tag.rsplit("}", 1)[-1] != "types":
            continue
        names = [c for c in types if isinstance(c.tag, str) and c.tag.endswith("name")]
        if len(names) != 1 or not (names[0].text or "").strip():
            raise InvalidMetadata(
                "each <types> needs one <name>", path=where, line=_safexml.line_of(types)
            )
        type_name = (names[0].text or "").strip()
        for member in types:
            if isinstance(member.tag, str) and member.tag.rsplit("}", 1)[-1] == "members":
                text = (member.text or "").strip()
                if not text:
                    raise InvalidMetadata(
                        "empty <members>", path=where, line=_safexml.line_of(member)
                    )
                pairs.append((type_name, text))
    return pairs
