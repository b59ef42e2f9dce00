"""Our conversions match Salesforce's own converter on real projects, file for file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from changeway.adapters.formats import parse_manifest, read_metadata, write_mdapi, write_source
from tests.integration.formats._compare import compare_trees

pytestmark = pytest.mark.oracle

SOURCE_CORPORA = ("dreamhouse-lwc", "lwc-recipes", "apex-recipes", "ebikes-lwc", "EDA")
SAMPLES = (
    "bots",
    "customLabels-simple",
    "customObjects-and-children",
    "customTranslationProject",
    "nestedFolders",
    "sharingRules",
    "staticResource",
    "territory",
    "waveTemplateBundle",
    "workflow",
)
Oracle = Callable[[str, Path], Path]


def _package_dirs(project: Path) -> list[Path]:
    config = json.loads((project / "sfdx-project.json").read_text())
    return [project / entry["path"] for entry in config["packageDirectories"]]


def _mdapi(src: Path, out: Path) -> Path:
    metadata = read_metadata(src)
    write_mdapi(
        metadata.components,
        out,
        api_version=metadata.api_version,
        destructive_pre=metadata.destructive_pre,
        destructive_post=metadata.destructive_post,
    )
    return out


@pytest.mark.parametrize("name", SOURCE_CORPORA)
def test_source_to_mdapi_matches_reference(
    name: str, corpus: Callable[[str], Path], oracle: Oracle, tmp_path: Path
) -> None:
    project = corpus(name)
    [package_dir] = _package_dirs(project)
    expected = oracle("source-to-mdapi", package_dir)
    actual = _mdapi(project, tmp_path / "mdapi")
    result = compare_trees(expected, actual)
    print(f"{name} source->mdapi: {result.summary()}")
    assert (result.missing, result.extra, result.differing) == ([], [], [])
    assert parse_manifest(actual / "package.xml") == parse_manifest(expected / "package.xml")


def test_mdapi_to_source_matches_reference(
    corpus: Callable[[str], Path], oracle: Oracle, tmp_path: Path
) -> None:
    src = corpus("Volunteers-for-Salesforce") / "src"
    expected = oracle("mdapi-to-source", src)
    metadata = read_metadata(src)
    write_source(metadata.components, tmp_path)
    result = compare_trees(expected, tmp_path / "force-app")
    print(f"Volunteers-for-Salesforce mdapi->source: {result.summary()}")
    assert (result.missing, result.extra, result.differing) == ([], [], [])


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_project_round_trip_matches_reference(
    name: str, corpus: Callable[[str], Path], oracle: Oracle, tmp_path: Path
) -> None:
    sample = corpus("sdr-sample-projects") / name
    expected_source = oracle("mdapi-to-source", sample / "originalMdapi")
    metadata = read_metadata(sample / "originalMdapi")
    write_source(metadata.components, tmp_path / "project")
    source = compare_trees(expected_source, tmp_path / "project" / "force-app")
    expected_mdapi = oracle("source-to-mdapi", expected_source)
    mdapi = compare_trees(expected_mdapi, _mdapi(tmp_path / "project", tmp_path / "mdapi"))
    print(f"{name} mdapi->source: {source.summary()}; source->mdapi: {mdapi.summary()}")
    assert (source.missing, source.extra, source.differing) == ([], [], [])
    assert (mdapi.missing, mdapi.extra, mdapi.differing) == ([], [], [])


@pytest.mark.parametrize("name", ["appTemplates", "genAiFunctions"])
def test_sample_bundles_convert_to_mdapi(
    name: str, corpus: Callable[[str], Path], oracle: Oracle, tmp_path: Path
) -> None:
    folder = corpus("sdr-sample-projects") / name / "originalMdapi"
    expected = oracle("source-to-mdapi", folder)
    result = compare_trees(expected, _mdapi(folder, tmp_path / "mdapi"))
    print(f"{name} source->mdapi: {result.summary()}")
    assert (result.missing, result.extra, result.differing) == ([], [], [])


@pytest.mark.parametrize("name", SOURCE_CORPORA)
def test_source_round_trip_is_byte_identical(
    name: str, corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    project = corpus(name)
    metadata = read_metadata(project)
    written = write_source(metadata.components, tmp_path)
    for component in metadata.components:
        for path, data in component.files.items():
            assert (tmp_path / path).read_bytes() == (project / path).read_bytes() == data
    assert "sfdx-project.json" in written
