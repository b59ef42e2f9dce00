"""The XML model and printer reproduce Salesforce's converter output."""

from __future__ import annotations

from changeway.adapters.formats import _safexml, _sdrxml
from changeway.adapters.formats._collation import collation_key

SOURCE = b"""<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <a>x &#160; &apos; &quot; &gt; y</a>
 <b xsi:nil="true"/>
<c/>
<d>
  <e> t </e><!-- hi -->
<f>1</f><e>2</e></d><g><![CDATA[ <x> ]]></g><h>te<i>1</i>xt</h></CustomObject>
"""

EXPECTED = """<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
    <a>x &#160; &apos; &quot; &gt; y</a>
    <b xsi:nil="true"></b>
    <c></c>
    <d>
        <e>t</e>
        <e>2</e><!-- hi --><f>1</f>
    </d>
    <g>
        <![CDATA[ <x> ]]>
    </g>
    <h>
        <i>1</i>
text    </h>
</CustomObject>
"""


def test_round_trip_matches_the_reference_printer() -> None:
    assert _sdrxml.build(_safexml.parse_sdr(SOURCE, "x.object")) == EXPECTED


def test_fast_path_and_tokenizer_agree() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>A__c</fullName>
    <valueSet><value><fullName>x</fullName></value><value><fullName>y &amp; z</fullName></value>
    </valueSet>
    <label>  Padded  </label>
</CustomField>
"""
    fast = _safexml.parse_sdr(data, "A__c.field-meta.xml")
    assert fast == _sdrxml.parse(data.decode())
    assert "<fullName>y &amp; z</fullName>" in _sdrxml.build(fast)
    assert "<label>Padded</label>" in _sdrxml.build(fast)


def test_collation_orders_like_locale_compare() -> None:
    names = ["b", "AB", "aB", "ab", "a1", "a-b", "a_b", "A", "a", "Ab"]
    assert sorted(names, key=collation_key) == [
        "a", "A", "a_b", "a-b", "a1", "ab", "aB", "Ab", "AB", "b",
    ]  # fmt: skip
