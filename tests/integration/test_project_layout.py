"""An org remembers how its project lays files out (API version, opt-in decompositions), so
what it exports deploys like the project it came from."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from changeway.adapters.formats import parse_manifest, read_metadata, write_source
from changeway.bootstrap import App
from changeway.services import intake, metadata, orgs
from tests.helpers import make_sandbox, user
from tests.integration.formats._compare import compare_trees

MDAPI_SNAPSHOT = "__snapshots__/verify-md-files.expected"


def _create(app: App, name: str, project: Path) -> None:
    orgs.create_production(
        app,
        actor=user(app, "alice"),
        name=name,
        initial=intake.read_checked(project),
        origin=project.name,
    )


def _export(app: App, org: str, out: Path, fmt: str) -> Path:
    export = metadata.export_metadata(app, actor=user(app), org=org)
    archive = metadata.export_archive(export, fmt=fmt)  # a temporary file we own
    try:
        with zipfile.ZipFile(archive) as unzipped:
            unzipped.extractall(out)
    finally:
        archive.unlink()
    return out


def _version(package_xml: Path) -> str:
    text = package_xml.read_text()
    return text.split("<version>")[1].split("</version>")[0]


def test_export_uses_the_projects_api_version(
    app: App, corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    project = corpus("dreamhouse-lwc")
    declared = json.loads((project / "sfdx-project.json").read_text())["sourceApiVersion"]
    _create(app, "Prod", project)
    out = _export(app, "Prod", tmp_path / "md", "mdapi")
    assert _version(out / "package.xml") == declared


def test_a_decomposed_project_exports_like_salesforce_and_so_do_its_sandboxes(
    app: App, corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    sample = corpus("sdr-sample-projects") / "preset-PermSet"
    options = json.loads((sample / "sfdx-project.json").read_text())["sourceBehaviorOptions"]
    project = tmp_path / "project"
    original = read_metadata(sample / "originalMdapi", source_behavior_options=options)
    write_source(original.components, project, source_behavior_options=options)
    _create(app, "Prod", project)
    make_sandbox(app, "Dev", source="Prod")
    for org in ("Prod", "Dev"):
        out = _export(app, org, tmp_path / f"md-{org}", "mdapi")
        result = compare_trees(sample / MDAPI_SNAPSHOT, out, frozenset({"package.xml"}))
        assert (result.missing, result.extra, result.differing) == ([], [], [])
        assert parse_manifest(out / "package.xml") == parse_manifest(
            sample / MDAPI_SNAPSHOT / "package.xml"
        )
        exported = json.loads(
            (_export(app, org, tmp_path / f"src-{org}", "source") / "sfdx-project.json").read_text()
        )
        assert exported["sourceBehaviorOptions"] == options
