"""Zip archives: deterministic writing and defensive reading (path escapes, bombs, caps).

Every member is checked before a byte is expanded: its path, its kind (no links), its declared
size against the input's ``Budget``, its ratio, and the archive's ratio as a whole. Expansion
then streams in chunks and holds members to their declared sizes, so an archive that lies is
refused with bounded memory.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from changeway.adapters.formats import limits
from changeway.adapters.formats._files import write_file
from changeway.domain.errors import InvalidMetadata

_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024
# What zipfile raises on damaged, encrypted or unsupported archives.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def pack(members: dict[str, bytes]) -> bytes:
    """A deflated zip of ``members`` (POSIX path -> bytes) with fixed timestamps."""
    buffer = io.BytesIO()
    pack_into(members, buffer)
    return buffer.getvalue()


def pack_into(members: dict[str, bytes], target: BinaryIO) -> None:
    """Write :func:`pack`'s zip to ``target`` member by member (an export written to a file
    never holds the archive in memory as well as its members)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])


def safe_member_name(name: str, where: str) -> str:
    """The member's path, refused when it is absolute or escapes the archive's folder."""
    clean = name.replace("\\", "/")
    normal = posixpath.normpath(clean)
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":") or normal.startswith(".."):
        raise InvalidMetadata(f"zip member {name!r} escapes the archive folder", path=where)
    return normal


def _open(data: bytes | Path, where: str) -> zipfile.ZipFile:
    """The archive in memory, or read from its file as members are expanded (an upload)."""
    try:
        return zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
    except (*_ZIP_ERRORS, ValueError, OSError):
        raise InvalidMetadata("not a valid zip archive", path=where) from None


def _members(
    archive: zipfile.ZipFile, where: str, budget: limits.Budget
) -> list[tuple[zipfile.ZipInfo, str]]:
    """The archive's files with their safe names, charged to ``budget`` before any expansion."""
    infos = archive.infolist()
    if len(infos) > budget.max_files:
        raise limits.LimitExceeded(budget.too_many(), path=where)
    members: list[tuple[zipfile.ZipInfo, str]] = []
    seen: set[str] = set()
    expanded = packed = 0
    for info in infos:
        name = safe_member_name(info.filename, where)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InvalidMetadata(f"zip member {info.filename!r} is a symbolic link", path=where)
        if info.is_dir():
            continue
        if name in seen:
            raise InvalidMetadata(f"zip holds {info.filename!r} twice", path=where)
        seen.add(name)
        ratio_checked = info.file_size > limits.RATIO_FLOOR_BYTES
        if ratio_checked and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise InvalidMetadata(
                f"zip member {info.filename!r} expands more than {limits.MAX_RATIO}:1 (zip bomb?)",
                path=where,
            )
        budget.charge(info.file_size, where, info.filename)
        expanded += info.file_size
        packed += info.compress_size
        members.append((info, name))
    if expanded > limits.RATIO_FLOOR_BYTES and expanded > limits.MAX_RATIO * max(packed, 1):
        raise InvalidMetadata(
            f"zip expands more than {limits.MAX_RATIO}:1 as a whole (zip bomb?)", path=where
        )
    return members


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> Iterator[bytes]:
    """The member's bytes in chunks, refused as soon as it is longer than it declared."""
    total = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(min(_CHUNK, info.file_size - total + 1)):
                total += len(chunk)
                if total > info.file_size:
                    break
                yield chunk
    except _ZIP_ERRORS as error:
        raise InvalidMetadata(
            f"zip member {info.filename!r} is damaged ({error})", path=where
        ) from None
    if total != info.file_size:
        raise InvalidMetadata(f"zip member {info.filename!r} lies about its size", path=where)


def unpack(data: bytes, where: str, budget: limits.Budget | None = None) -> dict[str, bytes]:
    """Every file of the zip ``data`` (path -> bytes), refusing hostile archives."""
    budget = budget if budget is not None else limits.Budget()
    with _open(data, where) as archive:
        return {
            name: b"".join(_chunks(archive, info, where))
            for info, name in _members(archive, where, budget)
        }


def verify(data: bytes, where: str, budget: limits.Budget) -> None:
    """Check an archive kept as it is (a static resource) by expanding it chunk by chunk,
    keeping nothing: what it would expand to is charged to ``budget``."""
    with _open(data, where) as archive:
        for info, _ in _members(archive, where, budget):
            for _chunk in _chunks(archive, info, where):
                pass


def extract(data: bytes | Path, folder: Path, where: str, budget: limits.Budget) -> list[str]:
    """Write the archive's files (``data``, or the zip file at that path, never read whole)
    under ``folder``, member by member in chunks; the member paths written."""
    written = []
    made: set[str] = set()
    base = str(folder)
    with _open(data, where) as archive:
        for info, name in _members(archive, where, budget):
            parent = name.rpartition("/")[0]
            if parent not in made:
                os.makedirs(f"{base}/{parent}" if parent else base, exist_ok=True)
                made.add(parent)
            write_file(f"{base}/{name}", _chunks(archive, info, where))
            written.append(name)
    return written
