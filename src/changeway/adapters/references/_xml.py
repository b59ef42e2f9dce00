"""Safe XML parsing for extractors: no entities, no network, malformed files give nothing."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    remove_comments=True,
    remove_pis=True,
    huge_tree=False,
)


def parse(data: bytes) -> etree._Element | None:
    """The root element, or None when the file is not well-formed XML."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return None


def local_name(element: etree._Element) -> str:
    """The tag without its namespace."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child_text(element: etree._Element, name: str) -> str | None:
    """Stripped text of the first direct child called ``name``."""
    for child in element:
        if local_name(child) == name:
            return (child.text or "").strip()
    return None


def leaves(
    root: etree._Element, root_name: str | None = None
) -> Iterator[tuple[str, str, etree._Element]]:
    """Text-bearing elements with their parent's and their own local names.

    ``root_name`` renames the root, so that a child section of a Metadata API file
    (``<fields>`` in an ``.object``) reads like the file of that child (``<CustomField>``).
    """
    for element in root.iter():
        if len(element) == 0 and element.text and element.text.strip():
            parent = element.getparent()
            parent_name = local_name(parent) if parent is not None else ""
            if root_name is not None and parent is root:
                parent_name = root_name
            yield parent_name, local_name(element), element


def line_of(element: etree._Element) -> int | None:
    """The 1-based line where the element starts, when known."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None
