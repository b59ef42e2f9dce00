"""Our conversions match Salesforce's own converter on real projects, file for file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from changeway.adapters.formats import parse_manifest, read_metadata, write_mdapi, write_source
from tests.integration.formats._compare import compare_trees

pytestmark = pytest.mark.oracle

SOURCE_CORPORA = ("dreamhouse-lwc", "lwc-recipes", "apex-recipes", "ebikes-lwc", "EDA")
SAMPLES = (
    "UIBundleSnapshot",
    "bots",
    "customLabels-simple",
    "customObjects-and-children",
    "customTranslationProject",
    "digitalExperienceBundle",
    "forceignore",
    "nestedFolders",
    "sharingRules",
    "staticResource",
    "territory",
    "waveTemplateBundle",
    "workflow",
    "xmlComments",
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


def _project_copy(sample: Path, target: Path) -> Path:
    """The sample's project without Salesforce's snapshots (its package folders only)."""
    target.mkdir(parents=True)
    shutil.copy(sample / "sfdx-project.json", target)
    for package in _package_dirs(sample):
        shutil.copytree(package, target / package.relative_to(sample))
    return target


@pytest.mark.parametrize(
    "name", ["legacySuffixSupport", "digitalExperienceMobilePages", "mpdWithLabels"]
)
def test_sample_projects_convert_to_mdapi_like_salesforce(
    name: str, corpus: Callable[[str], Path], oracle: Oracle, tmp_path: Path
) -> None:
    project = _project_copy(corpus("sdr-sample-projects") / name, tmp_path / "project")
    expected = oracle("source-to-mdapi", project)
    result = compare_trees(expected, _mdapi(project, tmp_path / "mdapi"))
    print(f"{name} source->mdapi: {result.summary()}")
    assert (result.missing, result.extra, result.differing) == ([], [], [])
    assert parse_manifest(tmp_path / "mdapi/package.xml") == parse_manifest(
        expected / "package.xml"
    )


@pytest.mark.parametrize("name", ["customLabels-multiple", "customLabels-merged"])
def test_labels_of_several_files_merge_like_salesforce(
    name: str, corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    """Salesforce's own snapshot (newer than the reference converter, which repeats a label
    found in two files) is the reference: one file, each label once, first file first."""
    sample = corpus("sdr-sample-projects") / name
    expected = sample / "__snapshots__/verify-source-convert.expected/testOutput"
    result = compare_trees(expected, _mdapi(sample / "originalSource", tmp_path))
    print(f"{name}: {result.summary()}")
    assert (result.missing, result.extra, result.differing) == ([], [], [])
