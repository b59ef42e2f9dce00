"""Plain files printed by lxml: the same bytes as Salesforce's printing model (docs/adr/0012)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeway.adapters.formats import _plainxml, _safexml, _sdrxml
from changeway.adapters.formats._from_mdapi import from_mdapi
from changeway.adapters.formats._to_mdapi import to_mdapi
from changeway.adapters.formats.limits import Budget
from changeway.adapters.formats.registry import registry
from changeway.domain.components import Component

NS = "http://soap.sforce.com/2006/04/metadata"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _document(body: str, root: str = "CustomField", declarations: str = f' xmlns="{NS}"') -> bytes:
    return f"{HEAD}<{root}{declarations}>{body}</{root}>\n".encode()


def _by_model(data: bytes, key: str, level: int) -> str:
    """What the printing model gives for the root's content printed as ``key``."""
    [(_root, content)] = _safexml.parse_sdr(data, "x.xml").items()
    assert isinstance(content, dict)
    node = {k: v for k, v in content.items() if k != _sdrxml.NS_KEY}
    return _sdrxml.finish(_sdrxml._object_node(node, key, level))


def _by_lxml(data: bytes, key: str, level: int) -> str | None:
    root = _safexml.check(data, "x.xml")
    if _plainxml.plain_namespace(root, data) is None:
        return None
    printed = _plainxml.print_plain(root, key, level)
    return None if printed is None else _sdrxml.finish(printed)


PLAIN = [
    '<fullName>A__c</fullName><label>It\'s "quoted" &amp; &lt;b&gt;</label><type>Text</type>',
    "\n  <fullName>A__c</fullName>\n<description>line one\n  line two</description>",
    "<fullName>P__c</fullName><valueSet><value><fullName>x</fullName></value>"
    "<value><fullName>y</fullName><default>false</default></value></valueSet>",
    "<fullName>E__c</fullName><inlineHelpText></inlineHelpText><label/><required>true</required>",
    '<name>A__c</name><label><!-- Load Order --></label><help><!-- it\'s "fine" --></help>',
    "<fullName>T__c</fullName><formula>a &amp;#123; b</formula>",
]


@pytest.mark.parametrize("body", PLAIN)
def test_plain_files_print_the_same_bytes_through_lxml(body: str) -> None:
    data = _document(body)
    printed = _by_lxml(data, "fields", 1)
    assert printed is not None, "a plain file must take the lxml path"
    assert printed == _by_model(data, "fields", 1)


NOT_PLAIN = {
    "attribute": '<fullName a="1">A__c</fullName>',
    "nil": '<fullName>A__c</fullName><b xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:nil="true"/>',
    "mixed content": "<fullName>A__c</fullName><d>text<e>1</e></d>",
    "padded leaf": "<fullName>A__c</fullName><label> Padded </label>",
    "blank leaf": "<fullName>A__c</fullName><label>   </label>",
    "name coming back": "<fullName>A__c</fullName><a>1</a><b>2</b><a>3</a>",
    "comment coming back": "<a>1</a><!-- x --><b>2</b><!-- y -->",
    "numeric reference": "<fullName>A&#160;c</fullName>",
    "CDATA": "<fullName><![CDATA[A]]></fullName>",
    "no-break space ending": "<fullName>A\u00a0</fullName>",
    "element named like the model's CDATA key": "<__cdata>x</__cdata><b>1</b>",
}


@pytest.mark.parametrize("body", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_files_outside_the_plain_model_are_left_to_the_model(body: str) -> None:
    assert _by_lxml(_document(body), "fields", 1) is None


def test_other_namespaces_are_not_plain() -> None:
    data = _document("<a>1</a>", declarations=f' xmlns="{NS}" xmlns:x="urn:x"')
    assert _by_lxml(data, "fields", 1) is None
    data = _document('<a xmlns="urn:other">1</a>')
    assert _by_lxml(data, "fields", 1) is None


_TEXT = st.text(alphabet="ab &<>'\"\u00a0\n\t", max_size=6)
_NAMES = st.sampled_from(["fullName", "a", "b", "c"])
_NODES = st.recursive(
    st.tuples(_NAMES, _TEXT),
    lambda children: st.tuples(_NAMES, st.lists(children, min_size=1, max_size=4)),
    max_leaves=8,
)
_SPACING = st.sampled_from(["", "\n", "\n    ", "  "])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml(node: tuple[str, object], draw: st.DrawFn) -> str:
    name, value = node
    if isinstance(value, str):
        if not value and draw(st.booleans()):
            return f"<{name}/>"
        inner = _escape(value)
        if draw(st.booleans()):
            inner = f"<!--{value.replace('-', '')}-->" if value else inner
        return f"<{name}>{inner}</{name}>"
    assert isinstance(value, list)
    parts = "".join(draw(_SPACING) + _xml(child, draw) for child in value)
    return f"<{name}>{parts}{draw(_SPACING)}</{name}>"


@st.composite
def _documents(draw: st.DrawFn) -> bytes:
    children = draw(st.lists(_NODES, min_size=1, max_size=5))
    body = "".join(draw(_SPACING) + _xml(child, draw) for child in children)
    return _document(body + draw(_SPACING))


@settings(max_examples=300, deadline=None)
@given(_documents(), st.integers(min_value=0, max_value=2))
def test_lxml_and_the_model_agree_on_any_file_called_plain(data: bytes, level: int) -> None:
    printed = _by_lxml(data, "fields", level)
    if printed is not None:
        assert printed == _by_model(data, "fields", level)


def _field(name: str, body: str) -> tuple[str, bytes]:
    path = f"force-app/main/default/objects/A__c/fields/{name}.field-meta.xml"
    return path, _document(f"<fullName>{name}</fullName>{body}")


def test_an_object_recomposed_from_plain_and_other_parts_is_one_file_in_order() -> None:
    own = (
        "force-app/main/default/objects/A__c/A__c.object-meta.xml",
        _document("<label>A</label>", root="CustomObject"),
    )
    parts = dict(
        [
            own,
            _field("b__c", "<label>B</label>"),
            _field("a__c", "<label> padded </label>"),  # not plain: printed by the model
            _field("C__c", "<label>It's</label>"),
        ]
    )
    reg = registry()
    components = [Component("CustomObject", "A__c", {own[0]: own[1]})] + [
        Component("CustomField", f"A__c.{path.rsplit('/', 1)[1].split('.')[0]}", {path: data})
        for path, data in parts.items()
        if "/fields/" in path
    ]
    files, _keys = to_mdapi(reg, components)
    assert files["objects/A__c.object"].decode() == (
        f'{HEAD}<CustomObject xmlns="{NS}">\n'
        "    <label>A</label>\n"
        "    <fields>\n        <fullName>a__c</fullName>\n        <label>padded</label>\n"
        "    </fields>\n"
        "    <fields>\n        <fullName>b__c</fullName>\n        <label>B</label>\n"
        "    </fields>\n"
        "    <fields>\n        <fullName>C__c</fullName>\n        <label>It&apos;s</label>\n"
        "    </fields>\n"
        "</CustomObject>\n"
    )


def test_a_plain_object_splits_into_the_same_files_as_through_the_model() -> None:
    body = (
        "<label>A</label><fields><fullName>b__c</fullName><label>It's</label></fields>"
        "<fields><fullName>a__c</fullName><label>A</label></fields><nameField><label>N</label>"
        "<type>Text</type></nameField>"
    )
    plain = _document(body, root="CustomObject")
    # The same object with one padded label: no longer plain, split through the model.
    other = _document(body.replace("<label>N</label>", "<label> N </label>"), "CustomObject")
    reg = registry()
    split = from_mdapi(reg, {"objects/A__c.object": plain}, Budget())
    model = from_mdapi(reg, {"objects/A__c.object": other}, Budget())
    files = {p: d for c in split.components for p, d in c.files.items()}
    expected = {p: d for c in model.components for p, d in c.files.items()}
    own = "force-app/main/default/objects/A__c/A__c.object-meta.xml"
    assert files.keys() == expected.keys()
    assert {p: d for p, d in files.items() if p != own} == {
        p: d for p, d in expected.items() if p != own
    }
    assert files[own].decode() == (
        f'{HEAD}<CustomObject xmlns="{NS}">\n    <label>A</label>\n    <nameField>\n'
        "        <label>N</label>\n        <type>Text</type>\n    </nameField>\n</CustomObject>\n"
    )
    field = files["force-app/main/default/objects/A__c/fields/b__c.field-meta.xml"].decode()
    assert field == (
        f'{HEAD}<CustomField xmlns="{NS}">\n    <fullName>b__c</fullName>\n'
        "    <label>It&apos;s</label>\n</CustomField>\n"
    )
