"""Static resources: content types, the extension Salesforce gives their content, archives.

A static resource whose content type is an archive is expanded into a folder in source format
(as Salesforce's converter does) and zipped in Metadata API format. Read from Metadata API
input, the archive is kept as it is (``NAME.zip``): it is checked without being expanded in
memory, and ``write_source`` expands it straight to disk.
"""

from __future__ import annotations

import mimetypes
import posixpath

from changeway.adapters.formats import _safexml
from changeway.domain.components import Component
from changeway.domain.errors import InvalidMetadata

META = "-meta.xml"
ARCHIVE_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/jar"})
# Extensions Salesforce's tool picks (from the mime-types database) where Python's table differs.
_EXTENSIONS = {
    "application/octet-stream": "bin",
    "application/x-javascript": "js",
    "application/javascript": "js",
    "text/javascript": "js",
    "text/plain": "txt",
    "text/xml": "xml",
    "application/xml": "xml",
    "image/jpeg": "jpeg",
    "image/x-png": "png",
    "text/x-haml": "haml",
    "application/x-zip-compressed": "zip",
}


def extension(content_type: str) -> str:
    """The extension of a static resource's content file in source format."""
    known = _EXTENSIONS.get(content_type)
    if known:
        return known
    guessed = mimetypes.guess_extension(content_type)
    return guessed[1:] if guessed else "bin"


def content_type(meta_path: str, meta: bytes) -> str:
    """The ``contentType`` a static resource's ``-meta.xml`` declares."""
    resource = _safexml.parse_sdr(meta, meta_path).get("StaticResource")
    value = resource.get("contentType") if isinstance(resource, dict) else None
    if not isinstance(value, str):
        raise InvalidMetadata("static resource metadata has no contentType", path=meta_path)
    return value


def packed_archive(component: Component) -> tuple[str, bytes] | None:
    """(path, bytes) of a static resource held as one archive file, to expand into a folder."""
    if component.type != "StaticResource":
        return None
    metas = [p for p in component.files if p.endswith(META)]
    contents = [p for p in component.files if not p.endswith(META)]
    if len(metas) != 1 or len(contents) != 1:
        return None
    base = metas[0][: -len(META)].rpartition(".")[0]
    if contents[0].rpartition(".")[0] != base or posixpath.basename(base) != component.name:
        return None
    if content_type(metas[0], component.files[metas[0]]) not in ARCHIVE_TYPES:
        return None
    return contents[0], component.files[contents[0]]
