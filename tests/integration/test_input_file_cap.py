"""The operator's cap on the files of one input (``[input] max_files``): it lowers and raises
the built-in cap for `org create --from` and `metadata import`, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest

from changeway.adapters.formats import limits
from changeway.bootstrap import App
from tests.cli_results import Invoke, data, fails, ok
from tests.helpers_metadata import META

PROJECT = b'{"packageDirectories": [{"path": "force-app", "default": true}]}'
PACKAGE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <types><members>*</members><name>ApexClass</name></types>\n"
    b"    <version>62.0</version>\n"
    b"</Package>\n"
)


def project(root: Path, classes: int) -> Path:
    """An SFDX project of ``classes`` Apex classes: 2 files each, plus sfdx-project.json."""
    folder = root / "force-app" / "main" / "default" / "classes"
    folder.mkdir(parents=True)
    (root / "sfdx-project.json").write_bytes(PROJECT)
    for i in range(classes):
        (folder / f"C{i}.cls").write_bytes(f"public class C{i} {{ }}\n".encode())
        (folder / f"C{i}.cls-meta.xml").write_bytes(META)
    return root


def cap(app: App, files: int | None) -> None:
    app.settings = dataclasses.replace(app.settings, max_input_files=files)


def test_a_lower_cap_refuses_an_input_naming_the_setting_and_writes_nothing(
    app: App, cw: Invoke, tmp_path: Path
) -> None:
    seven = project(tmp_path / "seven", 3)  # 7 files
    cap(app, 6)
    fails(
        cw("org", "create", "Prod", "--from", str(seven)),
        "the input holds more than 6 files",
        "[input] max_files",
        "CHANGEWAY_MAX_INPUT_FILES",
    )
    ok(cw("org", "create", "Prod"))
    ok(cw("org", "set", "Prod", "--allow-direct-changes", "true"))
    fails(cw("metadata", "import", "Prod", str(seven)), "more than 6 files")
    assert data(cw("org", "list", "--json"))[0]["name"] == "Prod"
    assert data(cw("metadata", "list", "Prod", "--json")) == []
    assert len(data(cw("metadata", "history", "Prod", "--json"))) == 1
    cap(app, 7)
    ok(cw("metadata", "import", "Prod", str(seven)))
    assert len(data(cw("metadata", "list", "Prod", "--json"))) == 3


def test_a_higher_cap_admits_an_input_over_the_built_in_one(
    app: App, cw: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_FILES", 4)
    seven = project(tmp_path / "seven", 3)
    fails(cw("org", "create", "Prod", "--from", str(seven)), "more than 4 files")
    assert data(cw("org", "list", "--json")) == []
    cap(app, 10)
    ok(cw("org", "create", "Prod", "--from", str(seven)))
    assert len(data(cw("metadata", "list", "Prod", "--json"))) == 3


def test_a_zip_with_more_members_than_the_cap_is_refused_before_it_is_expanded(
    app: App, cw: Invoke, tmp_path: Path
) -> None:
    archive = tmp_path / "seven.zip"  # Metadata API format: package.xml and 3 classes
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("package.xml", PACKAGE)
        for i in range(3):
            out.writestr(f"classes/C{i}.cls", f"public class C{i} {{ }}\n")
            out.writestr(f"classes/C{i}.cls-meta.xml", META)
    cap(app, 6)
    fails(
        cw("org", "create", "Prod", "--from", str(archive)),
        "seven.zip",
        "the input holds more than 6 files",
        "CHANGEWAY_MAX_INPUT_FILES",
    )
    assert data(cw("org", "list", "--json")) == []
    cap(app, 7)
    ok(cw("org", "create", "Prod", "--from", str(archive)))
    assert len(data(cw("metadata", "list", "Prod", "--json"))) == 3
