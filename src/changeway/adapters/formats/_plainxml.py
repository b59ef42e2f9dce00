"""Printing plain metadata XML with lxml's C serializer, byte for byte as ``_sdrxml.build`` does.

Most metadata files are plain: elements in the default namespace only, no attributes, CDATA
or numeric references, text only in leaves and never starting or ending with blanks, and no
element name (or comment) coming back after another among its siblings. For those, the
model Salesforce's converter prints (``_sdrxml``) is the tree itself, so lxml's indenting
serializer gives the same bytes once quotes are escaped and empty elements opened; checking
that a tree is plain costs one light walk, far less than building and printing the model.
Anything else returns None and goes through ``_sdrxml``. See ADR 0012.
"""

from __future__ import annotations

import re

from lxml import etree

from changeway.adapters.formats._sdrxml import CDATA, JS_SPACE, Printed

_INDENT = "    "
_EMPTY = re.compile(r"<([^\s/>]+)/>")
_COMMENT = re.compile(r"(<!--.*?-->)", re.S)
_ATTRIBUTES = etree.XPath("boolean(//@*)")


def plain_namespace(root: etree._Element, data: bytes) -> str | None:
    """``{namespace}`` of a plain document (``""`` without one), None for any other document:
    one default namespace at most, declared on the root; no attributes, CDATA, numeric
    references or processing instructions."""
    declarations = data.count(b"xmlns")
    tag = root.tag
    if (
        declarations > 1
        or not isinstance(tag, str)
        or (declarations == 1) != tag.startswith("{")
        or b"xmlns:" in data
        or b"&#" in data
        or b"<![CDATA[" in data
        or data.count(b"<?") > 1
    ):
        return None
    body = data.find(b"?>") + 1  # past the XML declaration, if there is one
    if data.count(b'="', body) + data.count(b"='", body) > declarations and _ATTRIBUTES(root):
        return None
    return tag[: tag.index("}") + 1] if declarations else ""


def blank(text: str | None) -> bool:
    """Whether the model drops ``text`` (only JavaScript's blanks; U+0085 is not one)."""
    return not text or (text.isspace() and "\x85" not in text) or not text.strip(JS_SPACE)


def _plain(element: etree._Element) -> bool:
    """Whether the subtree of ``element`` (which has children) is in the plain model."""
    if not blank(element.text):
        return False
    comment = etree.Comment
    previous = None
    seen = set()
    for child in element:
        tag = child.tag
        if tag != previous:
            if tag in seen or not (tag is comment or (tag.__class__ is str and CDATA not in tag)):
                return False
            seen.add(tag)
            previous = tag
        tail = child.tail
        if tail and (not tail.isspace() or "\x85" in tail) and tail.strip(JS_SPACE):
            return False
        if len(child):
            if not _plain(child):
                return False
        elif tag is not comment:  # a comment is printed as written, on its own line
            leaf = child.text
            if leaf and (leaf[0] in JS_SPACE or leaf[-1] in JS_SPACE):
                return False
    return True


def _escape_quotes(text: str) -> str:
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&apos;")
    if "/>" in text:
        text = _EMPTY.sub(r"<\1></\1>", text)
    return text


def print_plain(
    element: etree._Element, key: str, level: int, attributes: str = ""
) -> Printed | None:
    """``element`` printed as ``<key attributes>`` at indentation ``level``, as ``_sdrxml``
    prints its content; None unless the subtree is plain (its document checked by
    ``plain_namespace``)."""
    if not len(element) or element.attrib or not _plain(element):
        return None
    etree.indent(element, space=_INDENT, level=level)
    serialized: str = etree.tostring(element, encoding=str, with_tail=False)
    inner = serialized[serialized.index(">") + 1 : serialized.rindex("</")]
    if "<!--" in inner:  # comments are printed as they are
        parts = _COMMENT.split(inner)
        inner = "".join(p if i % 2 else _escape_quotes(p) for i, p in enumerate(parts))
    else:
        inner = _escape_quotes(inner)
    return Printed(f"{_INDENT * level}<{key}{attributes}>{inner}</{key}>\n")


def leaf_text(element: etree._Element, namespace: str, names: tuple[str, ...]) -> str:
    """The text of the first of ``names`` that is a single leaf child of a plain ``element``,
    as ``_sdrxml``'s model gives it (``""`` when none is)."""
    for name in names:
        found = element.find(namespace + name)
        if found is None or len(found):
            continue
        follower = found.getnext()
        if follower is not None and follower.tag == found.tag:
            continue
        return found.text or ""
    return ""
