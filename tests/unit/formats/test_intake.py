"""Hostile input at intake: whole-input limits, archives kept as archives, file kinds, names,
text, deletions, and conversions that fail with one clear line and write nothing."""

from __future__ import annotations

import errno
import os
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from changeway.adapters.formats import _zip, limits, read_metadata, write_source
from changeway.cli.main import app
from changeway.domain.components import ComponentKey
from changeway.domain.errors import ChangewayError, InvalidMetadata, MetadataProblems
from changeway.services.conversion import convert
from changeway.services.intake import read_checked
from tests.type_samples import xml
from tests.unit.formats.test_all_types import PACKAGE, write_project
from tests.zips import zeros_zip, zip_bytes

CLASS_META = xml("ApexClass", "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n")
PACKAGE_XML = xml("Package", "    <version>62.0</version>\n")
ZIP_RESOURCE = xml(
    "StaticResource",
    "    <cacheControl>Private</cacheControl>\n    <contentType>application/zip</contentType>\n",
)


def klass(name: str, body: bytes = b"public class X {}\n") -> dict[str, bytes]:
    return {f"classes/{name}.cls": body, f"classes/{name}.cls-meta.xml": CLASS_META}


def mdapi_zip(path: Path, files: dict[str, bytes]) -> Path:
    path.write_bytes(zip_bytes({"package.xml": PACKAGE_XML, **files}))
    return path


def resources(count: int, archive: bytes) -> dict[str, bytes]:
    """``count`` zipped static resources, each ``archive``."""
    files = {}
    for index in range(count):
        files[f"staticresources/lib{index}.resource"] = archive
        files[f"staticresources/lib{index}.resource-meta.xml"] = ZIP_RESOURCE
    return files


def test_static_resources_of_gigabytes_are_refused_quickly_with_bounded_memory(
    tmp_path: Path,
) -> None:
    """Six 1.1 MB resources each expanding to 1 GiB, in one mdapi zip (a nested bomb)."""
    archive = mdapi_zip(tmp_path / "bomb.zip", resources(6, zeros_zip(1024, 1 << 20)))
    assert archive.stat().st_size < 8 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(InvalidMetadata, match="zip bomb") as caught:
            convert(archive, tmp_path / "out", to="source")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "staticresources/lib0.resource" in str(caught.value)
    assert peak < 64 * 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.zip"]


def test_limits_hold_for_the_whole_input_not_each_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each resource is well under the cap; together with the zip holding them, they are not."""
    monkeypatch.setattr(limits, "MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    part = zip_bytes({"data.bin": os.urandom(300 * 1024)})
    under = mdapi_zip(tmp_path / "under.zip", resources(3, part))
    assert len(read_metadata(under).components) == 3
    over = mdapi_zip(tmp_path / "over.zip", resources(4, part))
    with pytest.raises(InvalidMetadata, match="expands beyond 2097152 bytes in all"):
        read_metadata(over)


def test_the_file_count_cap_holds_for_the_whole_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_FILES", 20)
    many = zip_bytes({f"f{i}.txt": b"x" for i in range(8)})
    with pytest.raises(InvalidMetadata, match="holds more than 20 files"):
        read_metadata(mdapi_zip(tmp_path / "many.zip", resources(3, many)))


def test_an_archive_expanding_too_much_as_a_whole_is_refused() -> None:
    """Small members escape the per-member ratio check; their sum does not."""
    with pytest.raises(InvalidMetadata, match="expands more than 100:1 as a whole"):
        _zip.unpack(zeros_zip(8, limits.RATIO_FLOOR_BYTES), "small-parts.zip")


def test_static_resources_are_kept_as_the_archives_they_are(tmp_path: Path) -> None:
    inner = zip_bytes({"nested.zip": zip_bytes({"deep.txt": b"deep"}), "app.js": b"var a;\n"})
    archive = mdapi_zip(tmp_path / "in.zip", resources(1, inner))
    [resource] = read_metadata(archive).components
    assert resource.files == {
        f"{PACKAGE}/staticresources/lib0.resource-meta.xml": ZIP_RESOURCE,
        f"{PACKAGE}/staticresources/lib0.zip": inner,
    }
    convert(archive, tmp_path / "src", to="source")
    folder = tmp_path / "src" / PACKAGE / "staticresources/lib0"
    assert sorted(p.name for p in folder.iterdir()) == ["app.js", "nested.zip"]
    assert (folder / "nested.zip").read_bytes() == zip_bytes({"deep.txt": b"deep"})
    convert(archive, tmp_path / "md", to="mdapi")
    assert (tmp_path / "md/staticresources/lib0.resource").read_bytes() == inner


def test_a_damaged_static_resource_archive_is_refused_at_intake(tmp_path: Path) -> None:
    good = zip_bytes({"app.js": b"var a = 1;\n" * 50})
    damaged = bytearray(good)  # the same bytes under a wrong checksum (local and central)
    damaged[14] ^= 0xFF
    damaged[good.rindex(b"PK\x01\x02") + 16] ^= 0xFF
    archive = mdapi_zip(tmp_path / "in.zip", resources(1, bytes(damaged)))
    with pytest.raises(InvalidMetadata, match=r"lib0\.resource.*'app\.js' is damaged"):
        read_metadata(archive)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", klass("A"))
    os.mkfifo(project / PACKAGE / "classes/B.cls")
    with pytest.raises(InvalidMetadata, match="not a regular file") as caught:
        read_metadata(project)
    assert caught.value.path == f"{PACKAGE}/classes/B.cls"
    (project / PACKAGE / "classes/B.cls").unlink()
    os.mkfifo(project / ".forceignore")
    assert [c.name for c in read_metadata(project).components] == ["A"]


def test_a_fifo_as_project_file_or_input_is_refused(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", klass("A"))
    (project / "sfdx-project.json").unlink()
    os.mkfifo(project / "sfdx-project.json")
    with pytest.raises(InvalidMetadata, match=r"sfdx-project\.json: not a regular file"):
        read_metadata(project)
    os.mkfifo(tmp_path / "input.zip")
    with pytest.raises(InvalidMetadata, match="not a regular file"):
        read_metadata(tmp_path / "input.zip")


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_symbolic_links_to_files_and_folders_are_refused_alike(tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Secret.cls").write_bytes(b"public class Secret {}\n")
    project = write_project(tmp_path / "p", klass("A"))
    link = project / PACKAGE / "classes" / ("Link.cls" if kind == "file" else "linked")
    link.symlink_to(outside / "Secret.cls" if kind == "file" else outside)
    with pytest.raises(InvalidMetadata, match="symbolic links are not accepted") as caught:
        read_metadata(project)
    assert caught.value.path == f"{PACKAGE}/classes/{link.name}"


def test_ignored_symbolic_links_are_left_alone(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", klass("A"))
    (project / ".forceignore").write_text("node_modules/\n")
    (project / PACKAGE / "lwc").mkdir()
    (project / PACKAGE / "lwc/node_modules").symlink_to(tmp_path)
    assert [c.name for c in read_metadata(project).components] == ["A"]


def test_a_member_name_longer_than_salesforce_allows_is_refused(tmp_path: Path) -> None:
    name = "A" * 300
    archive = mdapi_zip(tmp_path / "long.zip", klass(name))
    with pytest.raises(InvalidMetadata, match="300 characters long, Salesforce allows at most 255"):
        read_checked(archive)


def test_what_intake_accepts_can_always_be_written_out(tmp_path: Path) -> None:
    longest = "A" * (255 - len(".cls-meta.xml"))
    incoming = read_checked(write_project(tmp_path / "ok", klass(longest)))
    write_source(incoming.components, tmp_path / "export")
    assert (tmp_path / "export" / PACKAGE / f"classes/{longest}.cls-meta.xml").is_file()
    # One more character: the zip's name fits, the source file's name would not.
    archive = mdapi_zip(tmp_path / "long.zip", klass(longest + "B"))
    with pytest.raises(InvalidMetadata, match="file name longer than 255 bytes"):
        read_checked(archive)


def test_custom_object_and_field_names_follow_salesforce_lengths(tmp_path: Path) -> None:
    ok = "F" * 40
    field = f"objects/Thing__c/fields/{ok}__c.field-meta.xml"
    files = {"objects/Thing__c/Thing__c.object-meta.xml": xml("CustomObject")}
    read_checked(write_project(tmp_path / "ok", {**files, field: xml("CustomField")}))
    too_long = field.replace(ok, ok + "F")
    with pytest.raises(InvalidMetadata, match="at most 40 characters before its suffix"):
        read_checked(write_project(tmp_path / "long", {**files, too_long: xml("CustomField")}))


def test_names_differing_only_by_case_are_one_component(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {**klass("CaseDup"), **klass("casedup")})
    with pytest.raises(InvalidMetadata, match="'casedup' differs from 'CaseDup' only by case"):
        read_checked(project)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("public class Caf\xe9 {}\n".encode("latin-1"), "not valid UTF-8"),
        (b"public class A {}\n// \0\n", "contains a NUL byte"),
    ],
    ids=["latin-1", "nul"],
)
def test_text_source_files_must_be_utf8_without_nul(
    tmp_path: Path, body: bytes, needle: str
) -> None:
    project = write_project(tmp_path / "p", klass("Coded", body))
    with pytest.raises(InvalidMetadata, match=needle) as caught:
        read_checked(project)
    assert (caught.value.path, caught.value.line) == (
        f"{PACKAGE}/classes/Coded.cls",
        1 + (b"\0" in body),
    )


def _destructive(members: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"    <types>\n        <members>{m}</members>\n        <name>{t}</name>\n    </types>\n"
        for t, m in members
    )
    return xml("Package", body + "    <version>62.0</version>\n")


@pytest.mark.parametrize(
    ("member", "needle"),
    [
        (("NoSuchType", "Thing"), "NoSuchType is not a metadata type"),
        (("ApexClass", "../../etc/passwd"), "invalid full name '../../etc/passwd'"),
        (("Report", "Sales/../../../etc/passwd"), "invalid full name"),
        (("ApexClass", "*"), "no wildcards"),
    ],
)
def test_deletions_are_checked_like_additions(
    tmp_path: Path, member: tuple[str, str], needle: str
) -> None:
    manifest = _destructive([member])
    archive = mdapi_zip(tmp_path / "del.zip", {"destructiveChanges.xml": manifest})
    with pytest.raises(InvalidMetadata, match=needle) as caught:
        read_metadata(archive)
    assert caught.value.path == "del.zip/destructiveChanges.xml"


def test_valid_deletions_are_read(tmp_path: Path) -> None:
    manifest = _destructive([("ApexClass", "Old"), ("CustomField", "Account.Gone__c")])
    archive = mdapi_zip(tmp_path / "del.zip", {"destructiveChangesPre.xml": manifest})
    assert read_metadata(archive).destructive_pre == [
        ComponentKey("ApexClass", "Old"),
        ComponentKey("CustomField", "Account.Gone__c"),
    ]


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["convert", *args])
    return result.exit_code, result.stderr


@pytest.mark.parametrize("manifest", ["missing.xml", "folder"])
def test_convert_with_a_missing_or_folder_manifest_says_so_in_one_line(
    tmp_path: Path, manifest: str
) -> None:
    project = write_project(tmp_path / "p", klass("A"))
    (tmp_path / "folder").mkdir()
    code, stderr = _cli(
        str(project), str(tmp_path / "out"), "--to", "mdapi", "--manifest", str(tmp_path / manifest)
    )
    assert code == 1
    assert stderr.count("\n") == 1 and stderr.startswith("error:")
    assert manifest in stderr and ("no such manifest" in stderr or "is a folder" in stderr)
    assert not (tmp_path / "out").exists()


def test_convert_with_a_manifest_keeps_what_it_names(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {**klass("A"), **klass("B")})
    manifest = tmp_path / "package.xml"
    manifest.write_bytes(_destructive([("ApexClass", "B")]))
    report = convert(project, tmp_path / "out", to="mdapi", manifest=manifest)
    assert report.components == 1
    assert sorted(p.name for p in (tmp_path / "out/classes").iterdir()) == [
        "B.cls",
        "B.cls-meta.xml",
    ]
    manifest.write_bytes(_destructive([("ApexClass", "Missing")]))
    with pytest.raises(InvalidMetadata, match="the input has no ApexClass:Missing"):
        convert(project, tmp_path / "out2", to="mdapi", manifest=manifest)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.ENAMETOOLONG])
def test_convert_failing_to_write_says_so_in_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    project = write_project(tmp_path / "p", klass("A"))
    real = os.open

    def failing(path: str, flags: int, *args: int, **kwargs: int) -> int:
        if flags & os.O_CREAT and str(path).endswith("/A.cls"):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing)
    exit_code, stderr = _cli(str(project), str(tmp_path / "out"), "--to", "mdapi")
    assert exit_code == 1
    assert stderr == f"error: cannot write A.cls: {os.strerror(code)}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_name_too_long_for_the_file_system_fails_cleanly(tmp_path: Path) -> None:
    """Converting (unlike importing) checks no names: the file system's refusal is reported."""
    archive = mdapi_zip(tmp_path / "long.zip", klass("A" * 300))
    with pytest.raises(ChangewayError, match=r"cannot write .*File name too long"):
        convert(archive, tmp_path / "out", to="source")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.zip"]


def test_every_refused_link_and_fifo_is_reported_at_once(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", klass("A"))
    os.mkfifo(project / PACKAGE / "classes/F1.cls")
    (project / PACKAGE / "classes/L1.cls").symlink_to(project / PACKAGE / "classes/A.cls")
    with pytest.raises(MetadataProblems, match="2 problems"):
        read_metadata(project)


def test_zip_members_outside_the_package_folder_are_reported_not_dropped(tmp_path: Path) -> None:
    archive = tmp_path / "wrapped.zip"
    archive.write_bytes(
        zip_bytes(
            {
                "unpackaged/package.xml": PACKAGE_XML,
                "unpackaged/classes/A.cls": b"public class A {}\n",
                "unpackaged/classes/A.cls-meta.xml": CLASS_META,
                "notes/readme.txt": b"not metadata\n",
            }
        )
    )
    metadata = read_metadata(archive)
    assert [c.key for c in metadata.components] == [ComponentKey("ApexClass", "A")]
    assert metadata.skipped == ["wrapped.zip/notes/readme.txt"]
