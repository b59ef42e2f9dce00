"""Malformed and hostile metadata through the system (docs/model.md, "Bad input and faults"),
on SQLite and PostgreSQL.

The parser is tested in isolation elsewhere; here each bad input goes through
`changeway metadata import` / `org create --from` / `metadata export`, and the test checks
what a user sees (exit code 1, a message on stderr naming the file) and that nothing was
written (same head version, same history, no new org, no files).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from changeway.adapters.formats import limits
from tests.cli_results import Invoke, data, fails, ok
from tests.helpers_metadata import META
from tests.zips import zeros_zip, zip_bytes

CLASSES = "force-app/main/default/classes"
PROJECT = b'{"packageDirectories": [{"path": "force-app", "default": true}]}'
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
    "type confusion": (
        {"force-app/main/default/widgets/Good.weird-meta.xml": META},
        [
            "force-app/main/default/widgets/Good.weird-meta.xml",
            "root element ApexClass names a known type",
        ],
    ),
    "names differing only by case": (
        klass("good"),
        [f"{CLASSES}/good.cls", "'good' differs from 'Good' only by case"],
    ),
    "Latin-1 Apex": (
        {**klass("Latin1"), f"{CLASSES}/Latin1.cls": "// caf\xe9\n".encode("latin-1")},
        [f"{CLASSES}/Latin1.cls:1", "not valid UTF-8"],
    ),
    "NUL in Apex": (
        {**klass("Nul"), f"{CLASSES}/Nul.cls": b"public class Nul {}\n\0"},
        [f"{CLASSES}/Nul.cls:2", "contains a NUL byte"],
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


ZIP_RESOURCE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <cacheControl>Private</cacheControl>\n"
    b"    <contentType>application/zip</contentType>\n"
    b"</StaticResource>\n"
)


def _nested_bomb(path: Path) -> Path:
    """Six static resources of 1.1 MB, each expanding to 1 GiB."""
    bomb = zeros_zip(1024, 1 << 20)
    members = {"package.xml": PACKAGE}
    for index in range(6):
        members[f"staticresources/lib{index}.resource"] = bomb
        members[f"staticresources/lib{index}.resource-meta.xml"] = ZIP_RESOURCE
    return zipped(path, members)


def _long_name(path: Path) -> Path:
    name = "A" * 300
    return zipped(
        path,
        {
            "package.xml": PACKAGE,
            f"classes/{name}.cls": b"public class A { }\n",
            f"classes/{name}.cls-meta.xml": META,
        },
    )


def _deleting(type_name: str, member: str) -> Callable[[Path], Path]:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"    <types><members>{member}</members><name>{type_name}</name></types>\n"
        "    <version>62.0</version>\n</Package>\n"
    ).encode()

    def build(path: Path) -> Path:
        return zipped(path, {"package.xml": PACKAGE, "destructiveChanges.xml": manifest})

    return build


BAD_ZIPS: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "zip member escaping": (_zip_slip, ["bad.zip", "'../x' escapes the archive folder"]),
    "zip bomb": (_zip_bomb, ["bad.zip", "'staticresources/Big.resource'", "zip bomb"]),
    "nested zip bombs": (_nested_bomb, ["staticresources/lib0.resource", "zip bomb"]),
    "300-character name": (_long_name, ["300 characters long, Salesforce allows at most 255"]),
    "deleting a path": (
        _deleting("ApexClass", "../../etc/passwd"),
        ["bad.zip/destructiveChanges.xml", "invalid full name '../../etc/passwd'"],
    ),
    "deleting an unknown type": (
        _deleting("NoSuchType", "Thing"),
        ["cannot delete NoSuchType:Thing: NoSuchType is not a metadata type"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_hostile_zip_is_refused_naming_the_archive_and_the_org_is_unchanged(
    dev: Invoke, tmp_path: Path, case: str
) -> None:
    build, needles = BAD_ZIPS[case]
    archive = build(tmp_path / "bad.zip")
    before = org_state(dev, "Dev")
    fails(dev("metadata", "import", "Dev", str(archive)), *needles)
    assert org_state(dev, "Dev") == before
    assert not (tmp_path / "x").exists()
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize("case", ["zip member escaping", "zip bomb", "nested zip bombs"])
def test_org_create_from_a_hostile_zip_creates_no_org(
    cw: Invoke, tmp_path: Path, case: str
) -> None:
    build, needles = BAD_ZIPS[case]
    archive = build(tmp_path / "bad.zip")
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


@pytest.mark.parametrize("kind", ["FIFO", "link to a file", "link to a folder"])
def test_special_files_in_a_project_are_refused_without_hanging(
    dev: Invoke, tmp_path: Path, kind: str
) -> None:
    bad = project(tmp_path / "bad", {})
    entry = bad / CLASSES / "Special.cls"
    if kind == "FIFO":
        os.mkfifo(entry)
    elif kind == "link to a file":
        entry.symlink_to(bad / CLASSES / "Good.cls")
    else:
        entry.symlink_to(tmp_path)
    before = org_state(dev, "Dev")
    needle = "not a regular file" if kind == "FIFO" else "symbolic links are not accepted"
    fails(dev("metadata", "import", "Dev", str(bad)), f"{CLASSES}/Special.cls", needle)
    assert org_state(dev, "Dev") == before


def test_every_problem_of_an_import_is_reported_at_once(dev: Invoke, tmp_path: Path) -> None:
    files = {**BAD_SOURCE["malformed XML"][0], **BAD_SOURCE["type confusion"][0]}
    before = org_state(dev, "Dev")
    fails(
        dev("metadata", "import", "Dev", str(project(tmp_path / "bad", files))),
        "2 problems in the metadata:",
        *BAD_SOURCE["malformed XML"][1],
        *BAD_SOURCE["type confusion"][1],
    )
    assert org_state(dev, "Dev") == before


def test_what_import_accepts_exports_in_both_formats(dev: Invoke, tmp_path: Path) -> None:
    longest = "A" * (255 - len(".cls-meta.xml"))
    ok(dev("metadata", "import", "Dev", str(project(tmp_path / "p", klass(longest)))))
    ok(dev("metadata", "export", "Dev", str(tmp_path / "src"), "--format", "source"))
    ok(dev("metadata", "export", "Dev", str(tmp_path / "md"), "--format", "mdapi"))
    assert (tmp_path / "src" / CLASSES / f"{longest}.cls-meta.xml").is_file()
    assert (tmp_path / "md/classes" / f"{longest}.cls-meta.xml").is_file()


def test_a_zipped_static_resource_is_stored_as_its_archive(dev: Invoke, tmp_path: Path) -> None:
    library = zip_bytes({"lib/app.js": b"var app = 1;\n"})
    archive = zipped(
        tmp_path / "in.zip",
        {
            "package.xml": PACKAGE,
            "staticresources/lib.resource": library,
            "staticresources/lib.resource-meta.xml": ZIP_RESOURCE,
        },
    )
    ok(dev("metadata", "import", "Dev", str(archive)))
    [entry] = data(dev("metadata", "list", "Dev", "--type", "StaticResource", "--json"))
    paths = sorted(f["path"] for f in entry["files"])
    assert paths == [
        "force-app/main/default/staticresources/lib.resource-meta.xml",
        "force-app/main/default/staticresources/lib.zip",
    ]
    ok(dev("metadata", "export", "Dev", str(tmp_path / "src"), "--format", "source"))
    expanded = tmp_path / "src/force-app/main/default/staticresources/lib/lib/app.js"
    assert expanded.read_bytes() == b"var app = 1;\n"


@pytest.mark.parametrize("manifest", ["missing.xml", "folder"])
def test_export_with_a_missing_or_folder_manifest_is_one_clear_line(
    dev: Invoke, tmp_path: Path, manifest: str
) -> None:
    (tmp_path / "folder").mkdir()
    result = dev(
        "metadata",
        "export",
        "Dev",
        str(tmp_path / "out"),
        "--format",
        "mdapi",
        "--manifest",
        str(tmp_path / manifest),
    )
    message = fails(result, manifest)
    assert "no such manifest file" in message or "is a folder" in message
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


WIDGET = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Widget xmlns="http://soap.sforce.com/2006/04/metadata">\n    <size>2</size>\n</Widget>\n'
)


def test_import_warns_about_unknown_types_and_strict_refuses_them(
    dev: Invoke, tmp_path: Path
) -> None:
    widget = "force-app/main/default/widgets/Gauge.widget-meta.xml"
    source = project(tmp_path / "p", {widget: WIDGET})
    before = org_state(dev, "Dev")
    fails(
        dev("metadata", "import", "Dev", str(source), "--strict"),
        f"{widget}: Widget is not a type Salesforce's registry knows",
    )
    assert org_state(dev, "Dev") == before
    result = ok(dev("metadata", "import", "Dev", str(source)))
    assert f"warning: {widget}: Widget is not a type" in " ".join(result.stderr.split())
    listed = data(dev("metadata", "list", "Dev", "--type", "Widget", "--json"))
    assert [(e["type"], e["name"]) for e in listed] == [("Widget", "Gauge")]
    summary = data(dev("metadata", "import", "Dev", str(source), "--json"))
    assert summary["warnings"] == [
        f"{widget}: Widget is not a type Salesforce's registry knows: carried as is, typed by"
        " its root element"
    ]


def test_org_create_prints_what_deserves_a_look(cw: Invoke, tmp_path: Path) -> None:
    path = "force-app/main/default/featureParameters/Seats.featureParameterInteger-meta.xml"
    root = b'<FeatureParameterBoolean xmlns="http://soap.sforce.com/2006/04/metadata">'
    body = b"<value>5</value></FeatureParameterBoolean>\n"
    result = ok(
        cw("org", "create", "Acme", "--from", str(project(tmp_path / "p", {path: root + body})))
    )
    assert "root element FeatureParameterBoolean is another type of the same folder" in " ".join(
        result.stderr.split()
    )


def test_a_name_differing_from_the_orgs_only_by_case_is_refused(
    dev: Invoke, tmp_path: Path
) -> None:
    before = org_state(dev, "Dev")
    renamed = write(
        tmp_path / "p",
        {"sfdx-project.json": PROJECT, **klass("GOOD")},
    )
    fails(
        dev("metadata", "import", "Dev", str(renamed)),
        "ApexClass:GOOD differs from ApexClass:Good only by case",
    )
    assert org_state(dev, "Dev") == before
    ok(dev("metadata", "import", "Dev", str(renamed), "--replace"))
    assert [e["name"] for e in data(dev("metadata", "list", "Dev", "--json"))] == ["GOOD"]
