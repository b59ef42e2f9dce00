"""Opt-in decompositions (``sourceBehaviorOptions``) convert like Salesforce's own snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from changeway.adapters.formats import parse_manifest, read_metadata, write_mdapi, write_source
from tests.integration.formats._compare import compare_trees

SOURCE = "__snapshots__/verify-source-files.expected"
MDAPI = "__snapshots__/verify-md-files.expected"
PRESET_SAMPLES = (
    "preset-PermSet",
    "preset-decomposeLabels",
    "preset-sharingRules",
    "preset-workflow",
    "preset-workflow-mpd",
)


def _options(sample: Path) -> list[str]:
    return list(json.loads((sample / "sfdx-project.json").read_text())["sourceBehaviorOptions"])


def _stale_copies(sample: Path, missing: list[str]) -> list[str]:
    """Snapshot files that are byte copies of an input file (left over by Salesforce's tests)."""
    stale = []
    for rel in missing:
        parts = rel.removeprefix("force-app/main/default/").split("/")
        original = sample / "originalMdapi" / parts[0] / parts[-1].removesuffix("-meta.xml")
        if original.is_file() and original.read_bytes() == (sample / SOURCE / rel).read_bytes():
            stale.append(rel)
    return stale


def _assert_mdapi_matches(sample: Path, project: Path, out: Path) -> None:
    metadata = read_metadata(project)
    assert metadata.source_behavior_options == sorted(_options(sample))
    write_mdapi(
        metadata.components,
        out,
        api_version=metadata.api_version,
        source_behavior_options=metadata.source_behavior_options,
    )
    result = compare_trees(sample / MDAPI, out, frozenset({"package.xml"}))
    assert (result.missing, result.extra, result.differing) == ([], [], [])
    assert result.xml_equal == result.zip_equal == 0  # byte for byte
    # The snapshots' package.xml versions are inconsistent with their projects: compare members.
    assert parse_manifest(out / "package.xml") == parse_manifest(sample / MDAPI / "package.xml")


@pytest.mark.parametrize("name", PRESET_SAMPLES)
def test_preset_sample_matches_salesforce_snapshots(
    name: str, corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    sample = corpus("sdr-sample-projects") / name
    options = _options(sample)
    project = sample
    if (sample / "originalMdapi").is_dir():
        metadata = read_metadata(sample / "originalMdapi", source_behavior_options=options)
        project = tmp_path / "project"
        write_source(metadata.components, project, source_behavior_options=options)
        result = compare_trees(sample / SOURCE, project, frozenset({"sfdx-project.json"}))
        assert (result.extra, result.differing) == ([], [])
        assert result.missing == _stale_copies(sample, result.missing)
        assert result.xml_equal == result.zip_equal == 0
        assert result.identical > 0
    _assert_mdapi_matches(sample, project, tmp_path / "mdapi")


def test_without_the_option_a_permission_set_stays_one_file(
    corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    mdapi = corpus("sdr-sample-projects") / "preset-PermSet" / "originalMdapi"
    plain = read_metadata(mdapi)
    split = read_metadata(mdapi, source_behavior_options=["decomposePermissionSetBeta"])
    assert [c.key for c in plain.components] == [c.key for c in split.components]
    [component] = split.components
    assert len(component.files) > 40
    [single] = plain.components
    assert list(single.files) == [
        "force-app/main/default/permissionsets/dreamhouse.permissionset-meta.xml"
    ]


def test_a_decomposed_permission_set_names_the_same_fields_and_classes(
    corpus: Callable[[str], Path],
) -> None:
    from changeway.adapters.references import extract_references

    mdapi = corpus("sdr-sample-projects") / "preset-PermSet" / "originalMdapi"
    [plain] = read_metadata(mdapi).components
    [split] = read_metadata(
        mdapi, source_behavior_options=["decomposePermissionSetBeta"]
    ).components
    found = [
        sorted((str(ref.target), ref.reason) for ref in extract_references(component))
        for component in (plain, split)
    ]
    assert found[0] == found[1]
    assert ("CustomField:Broker__c.Email__c", "grants access to field Broker__c.Email__c") in {
        (target, reason) for target, reason in found[1]
    }
    assert any(target == "ApexClass:PagedResult" for target, _ in found[1])
    lines = {ref.path for ref in extract_references(split)}
    assert any(path.endswith("Broker__c.Email__c.fieldPermission-meta.xml") for path in lines)
