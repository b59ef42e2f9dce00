"""Malformed and hostile metadata through the system (SPEC §9), on SQLite and PostgreSQL.

The parser is tested in isolation elsewhere; here each bad input goes through
`changeway metadata import` / `org create --from` / `metadata export`, and the test checks
what a user sees (exit code 1, a message on stderr naming the file) and that nothing was
written (same head version, same history, no new org, no files).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from changeway.adapters.formats import limits
from tests.cli_results import Invoke, data, fails, ok

CLASSES = "force-app/main/default/classes"
PROJECT = b'{"packageDirectories": [{"path": "force-app", "default": true}]}'
META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>62.0</apiVersion>\n"
    b"    <status>Active</status>\n"
    b"</ApexClass>\n"
)
PACKAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <types><members>*</members><name>ApexClass</name></types>\n"
    b"    <types><members>*</members><name>StaticResource</name></types>\n"
    b"    <version>62.0</version>\n"
    b"</Package>\n"
)
LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>62.0</apiVersion>\n"
    b"    <status>&lol3;</status>\n"
    b"</ApexClass>\n"
)
EXTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>62.0</apiVersion>\n"
    b"    <status>&xxe;</status>\n"
    b"</ApexClass>\n"
)


def write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def project(root: Path, files: dict[str, bytes]) -> Path:
    """An SFDX project holding a good class ``Good`` and ``files``."""
    return write(
        root,
        {
            "sfdx-project.json": PROJECT,
            f"{CLASSES}/Good.cls": b"public class Good { }\n",
            f"{CLASSES}/Good.cls-meta.xml": META,
            **files,
        },
    )


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def klass(name: str, meta: bytes = META) -> dict[str, bytes]:
    return {
        f"{CLASSES}/{name}.cls": b"public class X { }\n",
        f"{CLASSES}/{name}.cls-meta.xml": meta,
    }


@pytest.fixture
def dev(cw: Invoke, tmp_path: Path) -> Invoke:
    """Production ``Prod`` and sandbox ``Dev``, holding one class at version 2."""
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    ok(cw("metadata", "import", "Dev", str(project(tmp_path / "seed", {}))))
    return cw


def org_state(cw: Invoke, org: str) -> tuple[Any, Any, Any]:
    """What users see of an org's metadata: its history, its components, the org list."""
    return (
        data(cw("metadata", "history", org, "--json")),
        data(cw("metadata", "list", org, "--json")),
        data(cw("org", "list", "--json")),
    )


BAD_SOURCE: dict[str, tuple[dict[str, bytes], list[str]]] = {
    "malformed XML": (
        klass("Broken", META.replace(b"</status>", b"</statuss>")),
        [f"{CLASSES}/Broken.cls-meta.xml:4", "malformed XML"],
    ),
    "billion laughs": (
        klass("Laughs", LAUGHS),
        [f"{CLASSES}/Laughs.cls-meta.xml:2", "DTDs and entity declarations are not allowed"],
    ),
    "external entity": (
        klass("Xxe", EXTERNAL),
        [f"{CLASSES}/Xxe.cls-meta.xml:2", "DTDs and entity declarations are not allowed"],
    ),
    "not UTF-8": (
        klass("Latin", META.replace(b"Active", b"Activ\xe9")),
        [f"{CLASSES}/Latin.cls-meta.xml:4", "not valid UTF-8"],
    ),
    "invalid full name": (
        klass("Bad:Name"),
        [f"{CLASSES}/Bad:Name.cls", "invalid full name 'Bad:Name' for ApexClass"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCE))
def test_bad_source_project_is_refused_naming_the_file_and_the_org_is_unchanged(
    dev: Invoke, tmp_path: Path, case: str
) -> None:
    files, needles = BAD_SOURCE[case]
    bad = project(tmp_path / "bad", files)
    before = org_state(dev, "Dev")
    message = fails(dev("metadata", "import", "Dev", str(bad)), "error:", *needles)
    assert "root:" not in message  # no file content leaked (file:///etc/passwd)
    assert org_state(dev, "Dev") == before
    # --replace goes through the same checks
    fails(dev("metadata", "import", "Dev", str(bad), "--replace"), *needles)
    assert org_state(dev, "Dev") == before


def _zip_slip(path: Path) -> Path:
    return zipped(
        path,
        {
            "package.xml": PACKAGE,
            "classes/A.cls": b"public class A { }\n",
            "classes/A.cls-meta.xml": META,
            "../x": b"escaped\n",
        },
    )


def _zip_bomb(path: Path) -> Path:
    # One highly compressible member: big enough to be ratio-checked, far over the 100:1 cap.
    size = limits.RATIO_FLOOR_BYTES * 4
    return zipped(
        path,
        {
            "package.xml": PACKAGE,
            "classes/A.cls": b"public class A { }\n",
            "classes/A.cls-meta.xml": META,
            "staticresources/Big.resource": b"\0" * size,
            "staticresources/Big.resource-meta.xml": (
                b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">\n'
                b"    <cacheControl>Private</cacheControl>\n"
                b"    <contentType>application/octet-stream</contentType>\n"
                b"</StaticResource>\n"
            ),
        },
    )


BAD_ZIPS: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "zip member escaping": (_zip_slip, ["slip.zip", "'../x' escapes the archive folder"]),
    "zip bomb": (_zip_bomb, ["bomb.zip", "'staticresources/Big.resource'", "zip bomb"]),
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_hostile_zip_is_refused_naming_the_archive_and_the_org_is_unchanged(
    dev: Invoke, tmp_path: Path, case: str
) -> None:
    build, needles = BAD_ZIPS[case]
    name = "slip.zip" if "escaping" in case else "bomb.zip"
    archive = build(tmp_path / name)
    before = org_state(dev, "Dev")
    fails(dev("metadata", "import", "Dev", str(archive)), *needles)
    assert org_state(dev, "Dev") == before
    assert not (tmp_path / "x").exists()
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize("case", ["zip member escaping", "zip bomb"])
def test_org_create_from_a_hostile_zip_creates_no_org(
    cw: Invoke, tmp_path: Path, case: str
) -> None:
    build, needles = BAD_ZIPS[case]
    archive = build(tmp_path / ("slip.zip" if "escaping" in case else "bomb.zip"))
    ok(cw("org", "create", "Other"))
    before = (data(cw("org", "list", "--json")), data(cw("audit", "--json")))
    fails(cw("org", "create", "Bad", "--from", str(archive)), *needles)
    assert (data(cw("org", "list", "--json")), data(cw("audit", "--json"))) == before
    fails(cw("org", "show", "Bad"), "Bad")


@pytest.mark.parametrize("case", ["malformed XML", "billion laughs"])
def test_org_create_from_a_malformed_project_creates_no_org(
    cw: Invoke, tmp_path: Path, case: str
) -> None:
    files, needles = BAD_SOURCE[case]
    bad = project(tmp_path / "bad", files)
    before = data(cw("org", "list", "--json"))
    fails(cw("org", "create", "Bad", "--from", str(bad)), *needles)
    assert data(cw("org", "list", "--json")) == before


def test_missing_input_path_is_a_clear_error(dev: Invoke, tmp_path: Path) -> None:
    before = org_state(dev, "Dev")
    result = dev("metadata", "import", "Dev", str(tmp_path / "nowhere"))
    assert result.exit_code != 0
    assert "nowhere" in " ".join(result.stderr.split())
    assert org_state(dev, "Dev") == before


@pytest.mark.parametrize("fmt", ["source", "mdapi"])
def test_export_into_a_non_empty_folder_is_refused_and_writes_nothing(
    dev: Invoke, tmp_path: Path, fmt: str
) -> None:
    out = write(tmp_path / "out", {"keep.txt": b"mine\n"})
    fails(
        dev("metadata", "export", "Dev", str(out), "--format", fmt),
        f"{out} exists and is not empty",
    )
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_bytes() == b"mine\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".changeway-export")]
