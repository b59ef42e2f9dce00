"""Safe XML reading: no DTD, no entities, no network, bounded size; failures name the file."""

from __future__ import annotations

from lxml import etree

from changeway.adapters.formats import _sdrxml
from changeway.adapters.formats._sdrxml import Node
from changeway.domain.errors import InvalidMetadata

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_pis=False,
)


def decode(data: bytes, path: str) -> str:
    """UTF-8 text of an XML file, or a clear error naming it."""
    try:
        return (
            data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
        )
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidMetadata("file is not valid UTF-8 text", path=path, line=line) from None


def check(data: bytes, path: str) -> etree._Element:
    """Parse ``data`` safely and return its root; refuse DTDs, entities and malformed XML."""
    head = data[:4096]
    if b"<!DOCTYPE" in data or b"<!ENTITY" in head:
        line = data[: data.find(b"<!")].count(b"\n") + 1
        raise InvalidMetadata("DTDs and entity declarations are not allowed", path=path, line=line)
    decode(data, path)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        message = str(error.msg) if error.msg else "malformed XML"
        raise InvalidMetadata(f"malformed XML: {message}", path=path, line=error.lineno) from None


def line_of(element: etree._Element) -> int | None:
    """The element's line number when lxml knows it."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def parse_sdr(data: bytes, path: str) -> Node:
    """Safely parse ``data`` into the model Salesforce's converter uses (see ``_sdrxml``)."""
    return model(check(data, path), data, path)


def model(root: etree._Element, data: bytes, path: str) -> Node:
    """The model Salesforce's converter uses of ``data``, already checked into ``root``."""
    return _sdrxml.read(root, data, decode(data, path))


def root_name(data: bytes, path: str) -> str:
    """Local name of the root element, checked safely."""
    tag = check(data, path).tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
