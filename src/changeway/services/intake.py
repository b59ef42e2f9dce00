"""Reading metadata that users hand in, checked in full before anything is written."""

from __future__ import annotations

from pathlib import Path

from changeway.adapters import formats
from changeway.domain.errors import InvalidMetadata


def read_checked(path: Path) -> formats.MetadataSet:
    """Read the metadata at ``path`` and refuse it unless every component is well-formed.

    Reading alone does not parse every XML file of a source-format project; untrusted input
    (SPEC section 9: broken XML, entities, non-UTF-8, invalid names) must be refused before
    anything is written, naming the file.
    """
    incoming = formats.read_metadata(path)
    for component in incoming.components:
        problems = formats.check_component(component)
        if problems:
            first = problems[0]
            raise InvalidMetadata(first.message, path=first.path or None, line=first.line)
    return incoming
