"""Zip archives for tests: plain ones, and bombs built without compressing their payload.

``zeros_zip`` repeats one deflated block of zeros under many names, so a 1 GiB bomb costs a
megabyte and no time to build (like the archives an attacker hands in).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A deflated zip of ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zeros_zip(count: int, size: int, prefix: str = "part") -> bytes:
    """A zip of ``count`` members of ``size`` zero bytes each, honest about its sizes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(size)) + packer.flush()
    crc = zlib.crc32(bytes(size))
    local, central = io.BytesIO(), io.BytesIO()
    for index in range(count):
        name = f"{prefix}{index}.bin".encode()
        offset = local.tell()
        fields = (0x04034B50, 20, 0, 8, 0, 0x21, crc, len(block), size, len(name), 0)
        local.write(struct.pack("<IHHHHHIIIHH", *fields) + name + block)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(block),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
            + name
        )
    start, directory = local.tell(), central.getvalue()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0)
    return local.getvalue() + directory + end
