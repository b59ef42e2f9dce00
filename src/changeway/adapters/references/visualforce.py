"""References in Visualforce pages and components: controllers, components, globals."""

from __future__ import annotations

import re

from changeway.adapters.references._collect import References
from changeway.adapters.references._names import (
    field_key,
    field_path_keys,
    is_customizable,
    object_key,
)
from changeway.adapters.references.bundles import blank_comments
from changeway.adapters.references.formulas import formula_names
from changeway.domain.components import ComponentKey

_ROOT = re.compile(r"<apex:(?:page|component)\b(?P<attributes>[^>]*)>", re.DOTALL)
_ATTRIBUTE = re.compile(r"""\b(?P<name>\w+)\s*=\s*["'](?P<value>[^"']*)["']""")
_CUSTOM_COMPONENT = re.compile(r"<c:(?P<name>[A-Za-z_][\w]*)")
_PAGE_ATTRIBUTE = re.compile(
    r"""<apex:(?:include|composition)\b[^>]*?\b(?:pageName|template)\s*=\s*["'](?P<name>[^"'{}]+)["']""",
    re.DOTALL,
)
_EXPRESSION = re.compile(r"\{!(?P<body>.*?)\}", re.DOTALL)
_GLOBAL_PATH = re.compile(
    r"\$(?:Resource|Page|Label|Setup|ObjectType|CustomMetadata|Permission)"
    r"(?:\.[A-Za-z_][\w]*)+"
)
_ATTRIBUTE_TYPE = re.compile(
    r"""<apex:attribute\b[^>]*?\btype\s*=\s*["'](?P<type>[A-Za-z_]\w*)["']""", re.DOTALL
)
_REMOTE_OBJECT = re.compile(r"<apex:remoteObjectModel\b(?P<attributes>[^>]*)>", re.DOTALL)
_LIGHTNING_APP = re.compile(r"""\$Lightning\.use\(\s*["'](?:c:)?(?P<name>[\w]+)["']""")


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def extract_visualforce(refs: References, path: str, source: str) -> None:
    """Controller and extensions, ``<c:...>`` components, included pages, ``$`` globals."""
    text = blank_comments(source, markup=True)
    standard_object = None
    for root in _ROOT.finditer(text):
        line = _line(text, root.start())
        for attribute in _ATTRIBUTE.finditer(root["attributes"]):
            name, value = attribute["name"], attribute["value"]
            if name in {"controller", "extensions"}:
                for class_name in filter(None, (v.strip() for v in value.split(","))):
                    refs.add(
                        ComponentKey("ApexClass", class_name),
                        path,
                        line,
                        f"Visualforce uses Apex {name} {class_name}",
                    )
            elif name == "standardController":
                standard_object = value
                refs.add(object_key(value), path, line, f"Visualforce standard controller {value}")
    for match in _CUSTOM_COMPONENT.finditer(text):
        refs.add(
            ComponentKey("ApexComponent", match["name"]),
            path,
            _line(text, match.start()),
            f"Visualforce uses component c:{match['name']}",
        )
    for match in _PAGE_ATTRIBUTE.finditer(text):
        refs.add(
            ComponentKey("ApexPage", match["name"]),
            path,
            _line(text, match.start()),
            f"Visualforce includes page {match['name']}",
        )
    for match in _ATTRIBUTE_TYPE.finditer(text):
        # A component attribute's type: an sObject, a class of the project, or a system type
        # (String, Boolean...), which the candidate leaves out.
        type_ = match["type"]
        custom = is_customizable(type_)
        refs.add(
            object_key(type_) if custom else ComponentKey("ApexClass", type_),
            path,
            _line(text, match.start()),
            f"Visualforce attribute has type {type_}",
            candidate=not custom,
        )
    for match in _REMOTE_OBJECT.finditer(text):
        _extract_remote_object(refs, path, _line(text, match.start()), match["attributes"])
    for match in _LIGHTNING_APP.finditer(text):
        refs.add(
            ComponentKey("AuraDefinitionBundle", match["name"]),
            path,
            _line(text, match.start()),
            f"Visualforce loads Lightning app {match['name']}",
        )
    for match in _EXPRESSION.finditer(text):
        _extract_expression(refs, path, text, match, standard_object)


def _extract_remote_object(refs: References, path: str, line: int, attributes: str) -> None:
    """``<apex:remoteObjectModel name="Obj__c" fields="Id,F__c"/>``: the object and fields
    that JavaScript remote objects read (the page does not save without them)."""
    values = {a["name"].lower(): a["value"] for a in _ATTRIBUTE.finditer(attributes)}
    obj = values.get("name", "").strip()
    if not obj:
        return
    refs.add(object_key(obj), path, line, f"Visualforce remote object {obj}")
    for field in filter(None, (f.strip() for f in values.get("fields", "").split(","))):
        refs.add(field_key(obj, field), path, line, f"Visualforce remote object field {field}")


def _extract_expression(
    refs: References, path: str, text: str, match: re.Match[str], obj: str | None
) -> None:
    """Merge fields of one ``{!...}`` expression: globals, and fields of the standard object."""
    line = _line(text, match.start())
    body = match["body"]
    for global_path in _GLOBAL_PATH.finditer(body):
        head, _, rest = global_path.group().partition(".")
        if head == "$Resource":
            target = ComponentKey("StaticResource", rest.split(".")[0])
            refs.add(target, path, line, f"Visualforce uses {global_path.group()}")
        elif head == "$Page":
            target = ComponentKey("ApexPage", rest.split(".")[0])
            refs.add(target, path, line, f"Visualforce links to {global_path.group()}")
    for key, offset in formula_names(body, obj, globals_only=True):
        refs.add(key, path, line + offset, f"Visualforce expression uses {key.name}")
    if obj is None:
        return
    # With a standard controller, merge fields are written with the object: {!Job__c.Name}.
    for merge_field in re.finditer(rf"(?<![\w.$]){re.escape(obj)}\.(?P<path>[\w.]+)", body, re.I):
        for key in field_path_keys(merge_field["path"], obj, qualified=False):
            refs.add(key, path, line, f"Visualforce merge field {merge_field.group()}")
