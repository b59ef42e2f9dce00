"""Size caps for untrusted metadata input (SPEC section 9), in one place to audit them."""

from __future__ import annotations

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest single file read from a folder or expanded from a zip."""

MAX_TOTAL_BYTES = 1024 * 1024 * 1024
"""Largest total expanded size of a zip (1 GiB): beyond it the archive is refused as a bomb."""

MAX_RATIO = 100
"""Largest expansion ratio of one zip member; real metadata compresses far less than 100:1."""

MAX_ZIP_MEMBERS = 100_000
"""Most members in one zip archive."""

RATIO_FLOOR_BYTES = 1024 * 1024
"""Members expanding to less than this are not ratio-checked (tiny files compress absurdly)."""
