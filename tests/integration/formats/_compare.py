"""Comparing two output trees file by file: identical, equal XML, equal zip, or differing."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


@dataclass
class Comparison:
    """Per-file outcome counts and the paths that differ."""

    identical: int = 0
    xml_equal: int = 0
    zip_equal: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"identical={self.identical} xml_equal={self.xml_equal} zip_equal={self.zip_equal} "
            f"differing={len(self.differing)} missing={len(self.missing)} extra={len(self.extra)}"
        )


def _files(root: Path, ignore: frozenset[str]) -> dict[str, Path]:
    return {
        p.relative_to(root).as_posix(): p
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() not in ignore
    }


def _canonical(data: bytes) -> bytes | None:
    try:
        return etree.tostring(etree.fromstring(data, _PARSER), method="c14n")
    except etree.XMLSyntaxError:
        return None


def _zip_members(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except zipfile.BadZipFile:
        return None


def compare_trees(expected: Path, actual: Path, ignore: frozenset[str] = frozenset()) -> Comparison:
    """Compare every file of ``expected`` with the same path under ``actual``."""
    want, got = _files(expected, ignore), _files(actual, ignore)
    result = Comparison(
        missing=sorted(want.keys() - got.keys()), extra=sorted(got.keys() - want.keys())
    )
    for rel in sorted(want.keys() & got.keys()):
        a, b = want[rel].read_bytes(), got[rel].read_bytes()
        if a == b:
            result.identical += 1
        elif (ca := _canonical(a)) is not None and ca == _canonical(b):
            result.xml_equal += 1
        elif (za := _zip_members(a)) is not None and za == _zip_members(b):
            result.zip_equal += 1
        else:
            result.differing.append(rel)
    return result
