"""Hostile or malformed input gets a clear error naming the file, and nothing is written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from changeway.adapters.formats import Problem, _zip, check_component, limits, read_metadata
from changeway.adapters.formats.validation import name_problem
from changeway.domain.components import Component
from changeway.domain.errors import InvalidMetadata, Refused
from changeway.services.conversion import convert

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>&lol2;</label></CustomObject>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>&xxe;</label></CustomObject>
"""


def _project(root: Path, files: dict[str, bytes]) -> Path:
    (root / "force-app").mkdir(parents=True)
    (root / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "force-app"}]}')
    for rel, data in files.items():
        path = root / "force-app/main/default" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _zip_bytes(members: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "xxe"])
def test_entities_are_refused_with_the_file_named(tmp_path: Path, payload: bytes) -> None:
    src = _project(tmp_path / "p", {"objects/A__c/A__c.object-meta.xml": payload})
    with pytest.raises(InvalidMetadata, match=r"A__c\.object-meta\.xml.*DTD"):
        convert(src, tmp_path / "out", to="mdapi")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["p"]


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    bad = b'<?xml version="1.0"?>\n<CustomObject>\n<label>x</lab>\n</CustomObject>\n'
    src = _project(tmp_path / "p", {"objects/A__c/A__c.object-meta.xml": bad})
    with pytest.raises(InvalidMetadata) as caught:
        convert(src, tmp_path / "out", to="mdapi")
    assert caught.value.path and caught.value.path.endswith("A__c.object-meta.xml")
    assert caught.value.line == 3
    assert not (tmp_path / "out").exists()


def test_non_utf8_xml_is_a_clear_error(tmp_path: Path) -> None:
    latin = '<?xml version="1.0"?><CustomObject><label>caf\xe9</label></CustomObject>'.encode(
        "latin-1"
    )
    src = _project(tmp_path / "p", {"objects/A__c/A__c.object-meta.xml": latin})
    with pytest.raises(InvalidMetadata, match="not valid UTF-8"):
        convert(src, tmp_path / "out", to="mdapi")


@pytest.mark.parametrize("name", ["../evil.cls", "/abs/evil.cls", "a/../../evil.cls"])
def test_zip_members_escaping_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "in.zip"
    archive.write_bytes(_zip_bytes({"package.xml": b"<Package/>", name: b"x"}))
    with pytest.raises(InvalidMetadata, match="escapes"):
        read_metadata(archive)


def test_zip_symlinks_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "in.zip"
    archive.write_bytes(_zip_bytes({"package.xml": b"<Package/>"}, symlink="classes/link.cls"))
    with pytest.raises(InvalidMetadata, match="symbolic link"):
        read_metadata(archive)


def test_zip_bomb_ratio_is_refused() -> None:
    bomb = _zip_bytes({"big.txt": b"\0" * (limits.RATIO_FLOOR_BYTES * 4)})
    with pytest.raises(InvalidMetadata, match="zip bomb"):
        _zip.unpack(bomb, "bomb.zip")


def test_zip_total_size_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 1000)
    data = _zip_bytes({"a.txt": b"a" * 600, "b.txt": b"b" * 600})
    with pytest.raises(InvalidMetadata, match="expands beyond 1000 bytes in all"):
        _zip.unpack(data, "big.zip")


def test_oversized_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    src = _project(tmp_path / "p", {"classes/A.cls": b"x" * 11, "classes/A.cls-meta.xml": b"<a/>"})
    with pytest.raises(InvalidMetadata, match="larger than"):
        read_metadata(src)


def test_output_must_be_new_or_empty(tmp_path: Path) -> None:
    src = _project(tmp_path / "p", {"classes/A.cls": b"x", "classes/A.cls-meta.xml": b"<a/>"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(Refused, match="not empty"):
        convert(src, out, to="mdapi")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_check_component_reports_bad_names_xml_and_root() -> None:
    good = Component(
        "ApexClass",
        "Good",
        {
            "force-app/main/default/classes/Good.cls": b"class",
            "force-app/main/default/classes/Good.cls-meta.xml": b"<ApexClass/>",
        },
    )
    assert check_component(good) == []
    bad_name = Component("CustomField", "NoDot", {"f/NoDot.field-meta.xml": b"<CustomField/>"})
    assert "invalid full name" in check_component(bad_name)[0].message
    broken = Component("Flow", "F", {"flows/F.flow-meta.xml": b"<Flow>\n<x></Flow>"})
    [problem] = check_component(broken)
    assert problem.path == "flows/F.flow-meta.xml" and problem.line == 2
    wrong_root = Component("Flow", "F", {"flows/F.flow-meta.xml": b"<Layout/>"})
    assert check_component(wrong_root) == [
        Problem("flows/F.flow-meta.xml", 1, "root element Layout does not match type Flow")
    ]


@pytest.mark.parametrize(
    ("type_name", "name"),
    [
        ("ApexClass", "Bad-Name"),
        ("ApexClass", "1Service"),
        ("ApexClass", "Double__Underscore"),
        ("ApexTrigger", "Trailing_"),
        ("LightningComponentBundle", "my-cmp"),
        ("CustomObject", "Has Space__c"),
    ],
)
def test_api_names_that_salesforce_refuses_are_invalid(type_name: str, name: str) -> None:
    assert name_problem(type_name, name) is not None


@pytest.mark.parametrize(
    ("type_name", "name"),
    [
        ("ApexClass", "Account_Service2"),
        ("LightningComponentBundle", "projectList"),
        ("CustomObject", "Account"),
        ("CustomObject", "hed__Course_Offering__c"),
        ("CustomObject", "Setting__mdt"),
        ("Layout", "Project__c-Project Layout"),
    ],
)
def test_real_api_names_are_valid(type_name: str, name: str) -> None:
    assert name_problem(type_name, name) is None
