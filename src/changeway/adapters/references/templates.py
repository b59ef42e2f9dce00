"""Merge fields of email templates and custom buttons or links (``{!Object.Field__c}``).

In these templates a merge field names its object: ``{!Job__c.City__c}`` is the field
``City__c`` of ``Job__c``; globals (``$Setup``, ``$Label``...) read as in formulas. A
Visualforce email template reads ``relatedTo`` and ``recipient`` through the objects its root
element names. Names of unknown shape (three-part paths, functions) name nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from changeway.adapters.references._collect import References
from changeway.adapters.references._names import OneOf, field_key, field_path_keys, object_key
from changeway.adapters.references.formulas import formula_names
from changeway.domain.components import ComponentKey

_MERGE = re.compile(r"\{!(?P<body>.*?)\}", re.DOTALL)
_STRINGS = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
_QUALIFIED = re.compile(r"(?<![\w.$])(?P<obj>[A-Za-z]\w*)\.(?P<field>[A-Za-z]\w*)(?![\w.(])")
# Merge-field prefixes that stand for an object under another name.
_ALIASES = {"sending_user": "User", "receiving_user": "User"}
# A Visualforce page opened by a button's URL: /apex/Name or /apex/{!prefix}Name.
_APEX_URL = re.compile(r"/apex/(?:\{![^}]*\})?(?P<page>[A-Za-z]\w*)")
_VF_TEMPLATE = re.compile(r"<messaging:emailTemplate\b(?P<attributes>[^>]*)>", re.DOTALL)
_VF_ROLE = re.compile(r"""\b(?P<role>relatedToType|recipientType)\s*=\s*["'](?P<obj>\w+)["']""")
_VF_CUSTOM_COMPONENT = re.compile(r"<c:(?P<name>[A-Za-z_]\w*)")


def merge_field_keys(body: str) -> Iterator[tuple[ComponentKey, int]]:
    """What one merge expression names, with the 0-based line of each name."""
    yield from formula_names(body, None, globals_only=True)
    code = _STRINGS.sub(lambda m: "\n" * m.group().count("\n"), body)
    for match in _QUALIFIED.finditer(code):
        line = code.count("\n", 0, match.start())
        obj = _ALIASES.get(match["obj"].lower(), match["obj"])
        yield object_key(obj), line
        yield _field(obj, match["field"]), line


def _field(obj: str, field: str) -> ComponentKey:
    """``Lookup__c``, or in its id form ``LookupId__c``, which may also be a field's own name."""
    key = field_key(obj, field)
    if not field.lower().endswith("id__c"):
        return key
    lookup = field_key(obj, field[: -len("Id__c")] + "__c")
    return OneOf(key.type, key.name, (lookup,))


def merge_fields(text: str) -> Iterator[tuple[ComponentKey, int]]:
    """What every ``{!...}`` of ``text`` names, with the 0-based line of each name."""
    for match in _MERGE.finditer(text):
        line = text.count("\n", 0, match.start())
        for key, offset in merge_field_keys(match["body"]):
            yield key, line + offset


def url_targets(text: str) -> Iterator[tuple[ComponentKey, int]]:
    """A button's or link's URL: its merge fields and the Visualforce page it opens."""
    yield from merge_fields(text)
    for match in _APEX_URL.finditer(text):
        yield ComponentKey("ApexPage", match["page"]), text.count("\n", 0, match.start())


def extract_email(refs: References, path: str, source: str) -> None:
    """An email template's body: merge fields, or for Visualforce templates their objects,
    ``relatedTo``/``recipient`` fields and components."""
    root = _VF_TEMPLATE.search(source)
    if root is None:
        for key, offset in merge_fields(source):
            refs.add(key, path, offset + 1, f"merge field uses {key.name}")
        return
    line = source.count("\n", 0, root.start()) + 1
    roles = {}
    for attribute in _VF_ROLE.finditer(root["attributes"]):
        obj = attribute["obj"]
        roles["relatedTo" if attribute["role"] == "relatedToType" else "recipient"] = obj
        refs.add(object_key(obj), path, line, f"email template is for {obj}")
    for match in _VF_CUSTOM_COMPONENT.finditer(source):
        key = ComponentKey("ApexComponent", match["name"])
        refs.add(key, path, source.count("\n", 0, match.start()) + 1, "email uses component")
    for expression in _MERGE.finditer(source):
        line = source.count("\n", 0, expression.start()) + 1
        body = expression["body"]
        for key, offset in formula_names(body, None, globals_only=True):
            refs.add(key, path, line + offset, f"merge field uses {key.name}")
        for role, obj in roles.items():
            for found in re.finditer(rf"(?<![\w.$]){role}\.(?P<path>[\w.]+)", body):
                for key in field_path_keys(found["path"], obj, qualified=False):
                    refs.add(key, path, line, f"merge field uses {role}.{found['path']}")
