"""`changeway convert`: thin command over the conversion service."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from changeway.cli.main import app


def _project(root: Path) -> Path:
    classes = root / "force-app" / "main" / "default" / "classes"
    classes.mkdir(parents=True)
    (root / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app"}], "sourceApiVersion": "60.0"}'
    )
    (classes / "Hello.cls").write_text("public class Hello {}")
    (classes / "Hello.cls-meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata"><status>Active</status>'
        "</ApexClass>\n"
    )
    return root


def test_convert_to_mdapi_and_back(tmp_path: Path) -> None:
    src = _project(tmp_path / "src")
    result = CliRunner().invoke(
        app, ["convert", str(src), str(tmp_path / "md"), "--to", "mdapi", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["components"] == 1
    package = (tmp_path / "md" / "package.xml").read_text()
    assert "<members>Hello</members>" in package and "<version>60.0</version>" in package
    back = CliRunner().invoke(
        app, ["convert", str(tmp_path / "md"), str(tmp_path / "src2"), "--to", "source"]
    )
    assert back.exit_code == 0, back.output
    copied = tmp_path / "src2" / "force-app/main/default/classes/Hello.cls"
    assert copied.read_text() == "public class Hello {}"


def test_errors_exit_1_with_a_message_and_write_nothing(tmp_path: Path) -> None:
    src = _project(tmp_path / "src")
    flow = src / "force-app/main/default/objects/A__c/A__c.object-meta.xml"
    flow.parent.mkdir(parents=True)
    flow.write_text("<CustomObject><label>x</CustomObject>")
    result = CliRunner().invoke(app, ["convert", str(src), str(tmp_path / "out"), "--to", "mdapi"])
    assert result.exit_code == 1
    assert "A__c.object-meta.xml" in result.stderr and "malformed XML" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_unknown_target_is_refused(tmp_path: Path) -> None:
    src = _project(tmp_path / "src")
    result = CliRunner().invoke(app, ["convert", str(src), str(tmp_path / "out"), "--to", "yaml"])
    assert result.exit_code == 1
    assert "--to must be one of mdapi, source" in result.stderr
