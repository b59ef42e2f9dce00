"""XML tree and writer that reproduce how Salesforce's converter reads and rewrites metadata XML.

Salesforce's source-deploy-retrieve parses the files it must merge or split (custom objects,
translations, bots, labels) into plain objects and prints them again: repeated elements are
grouped under their first occurrence, text is trimmed, the five named entities are decoded while
numeric references stay as written, comments and CDATA are kept. Producing byte-identical output
therefore means reproducing that model, which a DOM does not give; hence this small tokenizer.
Input has already passed the safe parser (no DTD, no entities), see ``_safexml``.
"""

from __future__ import annotations

import re
from typing import TypeAlias, Union

from lxml import etree

Value: TypeAlias = Union[str, "Node", list[Union[str, "Node"]]]
Node: TypeAlias = dict[str, Value]

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS_KEY = "@_xmlns"
NS_URL = "http://soap.sforce.com/2006/04/metadata"
TEXT = "#text"
CDATA = "__cdata"
COMMENT = "#xml__comment"

_TOKEN = re.compile(
    r"<!--(.*?)-->|<!\[CDATA\[(.*?)\]\]>|<\?.*?\?>|<(/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*"
    r"(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
_ATTR = re.compile(r"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# JavaScript's String.prototype.trim() set, which differs from Python's str.strip().
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
JS_SPACE += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_NAMED = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))
_ESCAPES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ("'", "&apos;"), ('"', "&quot;"))
_SPECIAL_ENTITY = re.compile(r"&amp;#(x?[\da-fA-F]+);")
_COMMENT_SPACE = re.compile(r"\s+<!--(.*?)-->\s+", re.S)


def _decode(text: str) -> str:
    if "&" not in text:
        return text
    for entity, char in _NAMED:
        text = text.replace(entity, char)
    return text


class Printed(str):
    """Content already printed at its place in the document (``_plainxml``), kept as is."""


class _Element:
    __slots__ = ("attrs", "items", "name", "text")

    def __init__(self, name: str, attrs: list[tuple[str, str]]) -> None:
        self.name = name
        self.attrs = attrs
        self.items: list[tuple[str, Value]] = []
        self.text: str | None = None


def parse(text: str) -> Node:
    """The document as Salesforce's parser sees it: ``{root_name: node}``."""
    stack = [_Element("", [])]
    pending: list[str] = []

    def flush() -> None:
        if pending:
            value = "".join(pending).strip(JS_SPACE)
            pending.clear()
            if value:
                top = stack[-1]
                top.text = (top.text or "") + _decode(value)

    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            pending.append(text[position : match.start()])
        position = match.end()
        comment, cdata, closing, name, attrs, empty = match.groups()
        if comment is not None:
            flush()
            stack[-1].items.append((COMMENT, comment))
        elif cdata is not None:
            flush()
            stack[-1].items.append((CDATA, cdata))
        elif name is None:
            continue  # processing instruction or declaration
        elif closing:
            flush()
            element = stack.pop()
            stack[-1].items.append((element.name, _compress(element)))
        else:
            flush()
            parsed = [
                (m[1], _decode(m[2] if m[2] is not None else m[3])) for m in _ATTR.finditer(attrs)
            ]
            element = _Element(name, parsed)
            if empty:
                stack[-1].items.append((name, _compress(element)))
            else:
                stack.append(element)
    root = stack[0]
    return dict(_compress_items(root.items))


def _compress_items(items: list[tuple[str, Value]]) -> Node:
    node: Node = {}
    for key, value in items:
        if key in node:
            existing = node[key]
            if isinstance(existing, list):
                existing.append(value)  # type: ignore[arg-type]
            else:
                node[key] = [existing, value]  # type: ignore[list-item]
        else:
            node[key] = value
    return node


def _compress(element: _Element) -> Value:
    node = _compress_items(element.items)
    if element.text is not None:
        node[TEXT] = element.text
    if element.attrs:
        for key, value in element.attrs:
            node["@_" + key] = value
        return node
    if len(node) == 1 and TEXT in node:
        return node[TEXT]
    return node if node else ""


def needs_tokenizer(data: bytes) -> bool:
    """CDATA, numeric references, comments and inner processing instructions: not in a DOM."""
    return b"<![CDATA[" in data or b"&#" in data or b"<!--" in data or data.count(b"<?") > 1


class _Unusual(Exception):
    """The fast path met something it does not model (prefixed names, nested namespaces)."""


def _from_element(element: etree._Element, namespace: str, xsi: str) -> str | Node:
    """One element in the parser's model, read from lxml (the fast path)."""
    node: Node = {}
    head = element.text
    text = [head.strip(JS_SPACE)] if head else []
    for child in element:
        tag = child.tag
        if (
            not isinstance(tag, str)
            or not tag.startswith(namespace)
            or "}" in tag[len(namespace) :]
        ):
            raise _Unusual
        key = tag[len(namespace) :]
        value = _from_element(child, namespace, xsi)
        existing = node.get(key)
        if existing is None:
            node[key] = value
        elif isinstance(existing, list):
            existing.append(value)
        else:
            node[key] = [existing, value]
        tail = child.tail
        if tail:
            text.append(tail.strip(JS_SPACE))
    joined = "".join(text)
    if joined:
        node[TEXT] = joined
    attributes = element.items()
    if attributes:
        for raw_name, raw_value in attributes:
            name, attribute = str(raw_name), str(raw_value)
            if name.startswith("{"):
                if not xsi or not name.startswith(xsi):
                    raise _Unusual
                name = "xsi:" + name[len(xsi) :]
            node["@_" + name] = attribute
        return node
    if len(node) == 1 and joined:
        return joined
    return node if node else ""


def _read_fast(root: etree._Element, data: bytes) -> Node:
    nsmap = root.nsmap
    if data.count(b"xmlns") != len(nsmap) or set(nsmap) - {None, "xsi"}:
        raise _Unusual
    default = nsmap.get(None)
    namespace = "{" + default + "}" if default else ""
    xsi = "{" + nsmap["xsi"] + "}" if "xsi" in nsmap else ""
    tag = root.tag
    if not isinstance(tag, str) or not tag.startswith(namespace):
        raise _Unusual
    parsed = _from_element(root, namespace, xsi)
    body: Node = parsed if isinstance(parsed, dict) else ({TEXT: parsed} if parsed else {})
    declared: Node = {}
    if default:
        declared[NS_KEY] = default
    if xsi:
        declared["@_xmlns:xsi"] = nsmap["xsi"]
    return {tag[len(namespace) :]: {**body, **declared} if declared else body}


def read(root: etree._Element, data: bytes, text: str) -> Node:
    """The document as Salesforce's parser sees it, from an already safely parsed ``root``."""
    if not needs_tokenizer(data):
        try:
            return _read_fast(root, data)
        except _Unusual:
            pass
    return parse(text)


def _escape(text: str) -> str:
    for char, entity in _ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return text


def _safe_comment(text: str) -> str:
    text = text.replace("--", "- -").replace("--", "- -")
    return text[:-1] + "- " if text.endswith("-") else text


def _text_node(value: str, key: str, attrs: str, indent: str) -> str:
    if key == CDATA:
        return f"{indent}<![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]>\n"
    if key == COMMENT:
        return f"{indent}<!--{_safe_comment(value)}-->\n"
    text = _escape(value)
    return f"{indent}<{key}{attrs}>{text}</{key}>\n"


def _object_node(node: Node, key: str, level: int) -> str:
    attrs, body = _children(node, level + 1)
    indent = "    " * level
    if TEXT in node and len(node) == 1:
        return _text_node(node[TEXT], key, attrs, indent)  # type: ignore[arg-type]
    if body == "" or "<" not in body:
        return f"{indent}<{key}{attrs}>{body}</{key}>\n"
    return f"{indent}<{key}{attrs}>\n{body}{indent}</{key}>\n"


def _children(node: Node, level: int) -> tuple[str, str]:
    attrs: list[str] = []
    body: list[str] = []
    indent = "    " * level
    for key, value in node.items():
        if isinstance(value, str):
            if key.startswith("@_"):
                attrs.append(f' {key[2:]}="{_escape(value)}"')
            elif key == TEXT:
                body.append(_escape(value))
            else:
                body.append(_text_node(value, key, "", indent))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Printed):
                    body.append(item)
                elif isinstance(item, dict):
                    body.append(_object_node(item, key, level))
                else:
                    body.append(_text_node(item, key, "", indent))
        else:
            body.append(_object_node(value, key, level))
    return "".join(attrs), "".join(body)


def build(document: Node) -> str:
    """Print ``{root_name: node}`` exactly as Salesforce's converter does."""
    _, body = _children(document, 0)
    return finish(body)


def finish(body: str) -> str:
    """The file holding the printed root element ``body``, as Salesforce's printer ends it:
    numeric references written back, no blanks around comments."""
    if "&amp;#" in body:
        body = _SPECIAL_ENTITY.sub(r"&#\1;", body)
    xml = XML_DECL + body
    if "<!--" in xml:
        xml = _COMMENT_SPACE.sub(r"<!--\1-->", xml)
    return xml
