"""Property: whatever tree of files users hand in, intake answers with changeway's own errors.

Random projects and Metadata API zips (names, suffixes, root elements, text encodings, nested
archives, links, FIFOs) go through ``metadata import`` and ``convert``: a refusal is one
``error:`` message, never a traceback; nothing is written outside the output folder; a refused
import leaves the org exactly as it was. A fixed, derandomized budget keeps the run short.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changeway.domain.errors import ChangewayError
from changeway.services.conversion import convert
from tests.cli_results import Invoke, data, ok
from tests.type_samples import xml
from tests.zips import zeros_zip, zip_bytes

PACKAGE = "force-app/main/default"
FOLDERS = [
    "classes",
    "objects/Acc__c",
    "objects/Acc__c/fields",
    "lwc/card",
    "staticresources",
    "staticresources/lib",
    "settings",
    "labels",
    "reports/Sales",
    "featureParameters",
    "widgets",
    "a b",
    "Ünïcode",
]
STEMS = ["Foo", "foo", "Acc__c", "Sales", "Caf\u00e9", "x y", "A" * 120, "-", "Thing"]
SUFFIXES = ["cls", "object", "field", "js", "resource", "settings", "labels", "report"]
SUFFIXES += ["reportFolder", "featureParameterInteger", "weird", "xml", "zip", "txt"]
ROOTS = ["ApexClass", "CustomObject", "CustomField", "StaticResource", "FooSettings"]
ROOTS += ["Widget", "FeatureParameterBoolean", "Package", "x-y"]

contents = st.one_of(
    st.builds(lambda root: xml(root), st.sampled_from(ROOTS)),
    st.binary(max_size=64),
    st.sampled_from(
        [
            "public class Caf\xe9 {}\n".encode("latin-1"),
            b"public class A {}\n\0",
            b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<ApexClass>&a;</ApexClass>',
            b"<ApexClass><unclosed></ApexClass>",
            zip_bytes({"app.js": b"var a;\n", "../escape.txt": b"x"}),
            zip_bytes({"nested.zip": zip_bytes({"deep.js": b"1"})}),
            zeros_zip(4, 1 << 20),
        ]
    ),
)
entries = st.tuples(
    st.sampled_from(FOLDERS),
    st.sampled_from(STEMS),
    st.sampled_from(SUFFIXES),
    st.booleans(),  # with -meta.xml
    st.one_of(contents, st.sampled_from(["FIFO", "LINK-FILE", "LINK-FOLDER"])),
)
trees = st.tuples(st.lists(entries, min_size=1, max_size=8), st.booleans())  # (entries, zipped)


def _write(root: Path, entry: tuple[str, str, str, bool, Any], outside: Path) -> str | None:
    folder, stem, suffix, meta, content = entry
    name = f"{stem}.{suffix}" + ("-meta.xml" if meta else "")
    path = root / PACKAGE / folder / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == "FIFO":
            os.mkfifo(path)
        elif content == "LINK-FILE":
            path.symlink_to(outside / "secret.txt")
        elif content == "LINK-FOLDER":
            path.symlink_to(outside)
        else:
            path.write_bytes(content)
    except (OSError, FileExistsError):
        return None  # a name this file system refuses cannot be handed in as a folder
    return f"{folder}/{name}"


def _build(base: Path, tree: tuple[list[Any], bool]) -> Path:
    """A project folder, or a Metadata API zip of the same files, under ``base``."""
    items, zipped = tree
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    project = base / "project"
    (project / "force-app").mkdir(parents=True)
    (project / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "force-app"}]}')
    written = [rel for entry in items if (rel := _write(project, entry, outside)) is not None]
    if not zipped:
        return project
    members: dict[str, bytes] = {"package.xml": xml("Package", "    <version>62.0</version>\n")}
    for rel in written:
        path = project / PACKAGE / rel
        if path.is_file() and not path.is_symlink():
            members[rel.replace("-meta.xml", "")] = path.read_bytes()
    archive = base / "input.zip"
    archive.write_bytes(zip_bytes(members))
    return archive


def _listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture
def sandbox() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        yield Path(folder)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees)
def test_intake_of_any_tree_refuses_cleanly_and_changes_nothing(
    cw: Invoke, sandbox: Path, tree: tuple[list[Any], bool]
) -> None:
    if not data(cw("org", "list", "--json")):
        ok(cw("org", "create", "Prod"))
        ok(cw("org", "set", "Prod", "--allow-direct-changes", "true"))
    base = Path(tempfile.mkdtemp(dir=sandbox))
    source = _build(base, tree)
    before = data(cw("metadata", "history", "Prod", "--json"))
    listing = _listing(base)
    result = cw("metadata", "import", "Prod", str(source))
    assert result.exit_code in (0, 1), result.exception
    if result.exit_code == 1:
        assert result.stderr.startswith("error:"), result.stderr
        assert data(cw("metadata", "history", "Prod", "--json")) == before
    assert "Traceback" not in result.stderr + result.stdout
    assert _listing(base) == listing
    out = base / "out"
    try:
        convert(source, out, to="mdapi" if source.is_dir() else "source")
    except ChangewayError:
        assert _listing(base) == listing
    else:
        assert _listing(base) - listing == {"out", *(f"out/{p}" for p in _listing(out))}
