"""Size caps for untrusted metadata input, in one place to audit them.

The caps hold for the whole input: the files of a folder, the members of a zip and the members
of the static-resource archives inside it count against one ``Budget``. Archives are opened
at most two levels deep (an input zip, and the static resources it holds); an archive inside a
static resource is one of its files, never opened.
"""

from __future__ import annotations

from changeway.domain.errors import InvalidMetadata

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest single file read from a folder or expanded from a zip."""

MAX_TOTAL_BYTES = 1024 * 1024 * 1024
"""Largest total size of one input with every archive in it expanded (1 GiB)."""

MAX_FILES = 100_000
"""Most files in one input, archive members included, unless the operator sets another
(``[input] max_files`` in config.toml, ``CHANGEWAY_MAX_INPUT_FILES``)."""

MAX_RATIO = 100
"""Largest expansion ratio of one zip member, and of one archive as a whole; real metadata
compresses far less than 100:1."""

RATIO_FLOOR_BYTES = 1024 * 1024
"""Members (and archives) expanding to less than this are not ratio-checked: tiny files
compress absurdly well."""


class LimitExceeded(InvalidMetadata):
    """The input is over a cap: reading stops at once (nothing more is looked at)."""


class Budget:
    """What one input may still hold: every file read or expanded is charged to it."""

    def __init__(self, max_files: int | None = None) -> None:
        self.bytes = 0
        self.files = 0
        self.max_files = max_files or MAX_FILES

    def charge(self, size: int, where: str, member: str | None = None) -> None:
        """Count one file of ``size`` bytes; refuse the input once it is over a cap."""
        named = f"zip member {member!r} " if member else "file "
        if size > MAX_FILE_BYTES:
            raise LimitExceeded(f"{named}is larger than {MAX_FILE_BYTES} bytes", path=where)
        self.bytes += size
        self.files += 1
        if self.bytes > MAX_TOTAL_BYTES:
            raise LimitExceeded(
                f"the input expands beyond {MAX_TOTAL_BYTES} bytes in all (zip bomb?)", path=where
            )
        if self.files > self.max_files:
            raise LimitExceeded(self.too_many(), path=where)

    def too_many(self) -> str:
        """Why an input over the file cap is refused, naming the setting that raises it."""
        return (
            f"the input holds more than {self.max_files} files"
            " (the operator's [input] max_files, CHANGEWAY_MAX_INPUT_FILES)"
        )
