"""Static resources that arrive as one archive (Metadata API zips, where the client packs
each resource folder afresh on every deploy) stored as the folder they expand to, so that
the same resource deployed twice is the same component."""

from __future__ import annotations

import tempfile
from pathlib import Path

from changeway.adapters.formats._resources import packed_archive
from changeway.adapters.formats.reading import read_metadata
from changeway.adapters.formats.writing import write_source
from changeway.domain.components import Component


def expand_archives(components: list[Component]) -> list[Component]:
    """``components`` with every archive static resource expanded into its folder (written
    to disk and read back, never whole in memory beyond its files)."""
    packed = {c.key for c in components if packed_archive(c) is not None}
    if not packed:
        return components
    with tempfile.TemporaryDirectory(prefix="changeway-expand-") as scratch:
        folder = Path(scratch)
        write_source([c for c in components if c.key in packed], folder)
        expanded = {c.key: c for c in read_metadata(folder).components}
    return [expanded.get(c.key, c) if c.key in packed else c for c in components]
