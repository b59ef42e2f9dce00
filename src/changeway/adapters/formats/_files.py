"""Files of untrusted input read safely (regular files only, never a link or a FIFO), and
files written with plain system calls (conversions write thousands of small files)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from changeway.adapters.formats import limits
from changeway.domain.errors import InvalidMetadata

LINK = "symbolic links are not accepted (neither to files nor to folders): copy what it points to"
NOT_REGULAR = "not a regular file (a FIFO, socket or device): only files and folders are read"


def read_file(
    path: str | os.PathLike[str], shown: str, budget: limits.Budget, *, scanned: bool = False
) -> bytes:
    """The bytes of a regular file, charged to ``budget``.

    Links, FIFOs, sockets and devices are refused without being opened (a FIFO would block
    forever): ``scanned`` says the caller's folder scan already saw a regular file, else the
    path is checked first; either way the file is opened without following links and checked
    again once open.
    """
    try:
        if not scanned:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise InvalidMetadata(LINK, path=shown)
            if not stat.S_ISREG(mode):
                raise InvalidMetadata(NOT_REGULAR, path=shown)
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise InvalidMetadata(f"cannot read the file: {error.strerror}", path=shown) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidMetadata(NOT_REGULAR, path=shown)
        budget.charge(info.st_size, shown)
        chunks = []
        remaining = info.st_size + 1
        while remaining > 0:
            chunk = os.read(handle, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            if remaining == 1:
                break  # every byte fstat announced; the read asking for one more came short
    finally:
        os.close(handle)
    if remaining <= 0:
        raise InvalidMetadata("file grew while it was read", path=shown)
    return b"".join(chunks)


def require_regular_file(path: Path, shown: str) -> None:
    """Refuse a link, FIFO, socket or device where a file is expected (without opening it)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as error:
        raise InvalidMetadata(f"cannot read the file: {error.strerror}", path=shown) from None
    if stat.S_ISLNK(mode):
        raise InvalidMetadata(LINK, path=shown)
    if not stat.S_ISREG(mode):
        raise InvalidMetadata(NOT_REGULAR, path=shown)


def read_regular_text(path: Path) -> str | None:
    """The text of a regular file (never a FIFO or device, which would block), or None."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return None


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW


def write_file(path: str, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to the file at ``path`` (created or emptied; never through a link)."""
    handle = os.open(path, _NEW_FILE, 0o666)
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(handle, view) :]
    finally:
        os.close(handle)
