"""Zip archives: deterministic writing and defensive reading (path escapes, bombs, caps)."""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile

from changeway.adapters.formats import limits
from changeway.domain.errors import InvalidMetadata

_EPOCH = (1980, 1, 1, 0, 0, 0)


def pack(members: dict[str, bytes]) -> bytes:
    """A deflated zip of ``members`` (POSIX path -> bytes) with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()


def safe_member_name(name: str, where: str) -> str:
    """The member's path, refused when it is absolute or escapes the archive's folder."""
    clean = name.replace("\\", "/")
    normal = posixpath.normpath(clean)
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":") or normal.startswith(".."):
        raise InvalidMetadata(f"zip member {name!r} escapes the archive folder", path=where)
    return normal


def unpack(data: bytes, where: str) -> dict[str, bytes]:
    """Every file of the zip ``data`` (path -> bytes), refusing hostile archives."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidMetadata("not a valid zip archive", path=where) from None
    infos = archive.infolist()
    if len(infos) > limits.MAX_ZIP_MEMBERS:
        raise InvalidMetadata(f"zip has more than {limits.MAX_ZIP_MEMBERS} members", path=where)
    total = 0
    out: dict[str, bytes] = {}
    for info in infos:
        name = safe_member_name(info.filename, where)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise InvalidMetadata(f"zip member {info.filename!r} is a symbolic link", path=where)
        if info.is_dir():
            continue
        if info.file_size > limits.MAX_FILE_BYTES:
            raise InvalidMetadata(f"zip member {info.filename!r} is too large", path=where)
        ratio_checked = info.file_size > limits.RATIO_FLOOR_BYTES
        if ratio_checked and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise InvalidMetadata(
                f"zip member {info.filename!r} expands more than {limits.MAX_RATIO}:1 (zip bomb?)",
                path=where,
            )
        total += info.file_size
        if total > limits.MAX_TOTAL_BYTES:
            raise InvalidMetadata("zip expands beyond the size limit (zip bomb?)", path=where)
        with archive.open(info) as member:
            content = member.read(info.file_size + 1)
        if len(content) != info.file_size:
            raise InvalidMetadata(f"zip member {info.filename!r} lies about its size", path=where)
        out[name] = content
    return out
