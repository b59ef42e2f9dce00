"""SOAP envelopes of Salesforce's Metadata API: reading requests with no DTDs, no entities
and a size limit (defusedxml), and writing responses and faults as the client's strict
parser expects them."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException

from changeway.sfwire.faults import SalesforceFault

ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
METADATA = "http://soap.sforce.com/2006/04/metadata"
CONTENT_TYPE = "text/xml; charset=utf-8"

Value = str | dict[str, Any] | list[Any]


def parse(body: bytes) -> tuple[str, str | None, dict[str, list[Value]]]:
    """The operation, the session id and the operation's arguments (name -> values, each a
    text or a nested mapping) of a SOAP request."""
    try:
        root = SafeTree.fromstring(body, forbid_dtd=True, forbid_entities=True)
    except (SafeTree.ParseError, DefusedXmlException, ValueError) as error:
        raise SalesforceFault("INVALID_SOAP_REQUEST", f"malformed SOAP request: {error}") from None
    if _local(root.tag) != "Envelope":
        raise SalesforceFault("INVALID_SOAP_REQUEST", "the request is not a SOAP envelope")
    header = _child(root, "Header")
    session_header = _child(header, "SessionHeader") if header is not None else None
    session = _child(session_header, "sessionId") if session_header is not None else None
    body_el = _child(root, "Body")
    operations = list(body_el) if body_el is not None else []
    if len(operations) != 1:
        raise SalesforceFault("INVALID_SOAP_REQUEST", "the SOAP body must hold one operation")
    operation = operations[0]
    arguments = _mapping(operation)
    return (
        _local(operation.tag),
        (session.text or "").strip() if session is not None else None,
        (arguments),
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _mapping(element: Element) -> dict[str, list[Value]]:
    found: dict[str, list[Value]] = {}
    for child in element:
        value: Value = _mapping(child) if len(child) else (child.text or "").strip()
        found.setdefault(_local(child.tag), []).append(value)
    return found


def response(operation: str, results: list[Any]) -> bytes:
    """A response envelope: one ``<result>`` per item of ``results``."""
    inner = "".join(f"<result>{_xml(r)}</result>" for r in results)
    return _envelope(f"<{operation}Response>{inner}</{operation}Response>")


def fault(code: str, message: str) -> bytes:
    """A SOAP fault with Salesforce's code (``sf:CODE``) and the message."""
    return _envelope(
        "<soapenv:Fault>"
        f"<faultcode>sf:{escape(code)}</faultcode>"
        f"<faultstring>{escape(code)}: {escape(message)}</faultstring>"
        "</soapenv:Fault>"
    )


def _envelope(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{ENVELOPE}" xmlns="{METADATA}"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xmlns:sf="http://soap.sforce.com/2006/04/metadata">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _xml(value: Any) -> str:
    if isinstance(value, dict):
        parts = []
        for name, item in value.items():
            for one in item if isinstance(item, list) else [item]:
                if one is None:
                    parts.append(f'<{name} xsi:nil="true"/>')
                else:
                    parts.append(f"<{name}>{_xml(one)}</{name}>")
        return "".join(parts)
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def text(arguments: dict[str, list[Value]], name: str, default: str = "") -> str:
    """A text argument (the first, if repeated)."""
    values = arguments.get(name) or [default]
    return values[0] if isinstance(values[0], str) else default


def flag(arguments: dict[str, list[Value]], name: str, default: bool = False) -> bool:
    """A boolean argument."""
    value = text(arguments, name, "true" if default else "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise SalesforceFault("INVALID_FIELD", f"{name} must be true or false, not {value!r}")
    return value in ("true", "1")


def nested(arguments: dict[str, list[Value]], name: str) -> dict[str, list[Value]]:
    """A nested argument (empty when absent)."""
    values = arguments.get(name) or []
    return values[0] if values and isinstance(values[0], dict) else {}


def texts(arguments: dict[str, list[Value]], name: str) -> list[str]:
    """Every text value of a repeated argument."""
    return [v for v in arguments.get(name, []) if isinstance(v, str) and v]


def nesteds(arguments: dict[str, list[Value]], name: str) -> list[dict[str, list[Value]]]:
    """Every nested value of a repeated argument."""
    return [v for v in arguments.get(name, []) if isinstance(v, dict)]
