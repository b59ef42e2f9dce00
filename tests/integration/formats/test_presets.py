"""Opt-in decompositions (``sourceBehaviorOptions``) convert like Salesforce's own snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from changeway.adapters.formats import parse_manifest, read_metadata, write_mdapi, write_source
from changeway.domain.components import Component
from changeway.services.conversion import convert
from tests.integration.formats._compare import compare_trees

SOURCE = "__snapshots__/verify-source-files.expected"
MDAPI = "__snapshots__/verify-md-files.expected"
PRESET_SAMPLES = (
    "preset-PermSet",
    "preset-decomposeLabels",
    "preset-decomposedPS2",
    "preset-sharingRules",
    "preset-workflow",
    "preset-workflow-mpd",
    "variant-raw-PermSet",
    "variant-workflow",
)


def _config(sample: Path) -> dict[str, Any]:
    return dict(json.loads((sample / "sfdx-project.json").read_text()))


def _options(sample: Path) -> list[str]:
    return list(_config(sample).get("sourceBehaviorOptions", []))


def _customizations(sample: Path) -> dict[str, Any]:
    return dict(_config(sample).get("registryCustomizations", {}))


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
    assert metadata.registry_customizations == _customizations(sample)
    write_mdapi(
        metadata.components,
        out,
        api_version=metadata.api_version,
        source_behavior_options=metadata.source_behavior_options,
        registry_customizations=metadata.registry_customizations,
    )
    converted = out.parent / f"{out.name}-converted"
    convert(project, converted, to="mdapi")  # what `changeway convert` does with the project
    for written in (out, converted):
        result = compare_trees(sample / MDAPI, written, frozenset({"package.xml"}))
        assert (result.missing, result.extra, result.differing) == ([], [], [])
        assert result.xml_equal == result.zip_equal == 0  # byte for byte
        # The snapshots' package.xml versions disagree with their projects: compare members.
        expected = parse_manifest(sample / MDAPI / "package.xml")
        assert parse_manifest(written / "package.xml") == expected


@pytest.mark.parametrize("name", PRESET_SAMPLES)
def test_preset_sample_matches_salesforce_snapshots(
    name: str, corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    sample = corpus("sdr-sample-projects") / name
    options, custom = _options(sample), _customizations(sample)
    project = sample
    if (sample / "originalMdapi").is_dir():
        metadata = read_metadata(
            sample / "originalMdapi",
            source_behavior_options=options,
            registry_customizations=custom,
        )
        project = tmp_path / "project"
        write_source(
            metadata.components,
            project,
            source_behavior_options=options,
            registry_customizations=custom,
        )
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


def _split_reads(sample: Path) -> tuple[list[Component], list[Component]]:
    """Components of a sample's Metadata API input read plainly and with its decomposition."""
    mdapi = sample / "originalMdapi"
    split = read_metadata(
        mdapi,
        source_behavior_options=_options(sample),
        registry_customizations=_customizations(sample),
    )
    return read_metadata(mdapi).components, split.components


@pytest.mark.parametrize(
    ("name", "permission_set", "split_file"),
    [
        ("preset-decomposedPS2", "ebikes", "ebikes/objectSettings/Product__c.objectSettings"),
        ("preset-decomposedPS2", "dreamhouse", "dreamhouse/dreamhouse.classAccess"),
        (
            "variant-raw-PermSet",
            "dreamhouse",
            "fieldPermissions/Broker__c.Email__c.fieldPermission",
        ),
    ],
)
def test_a_split_permission_set_stays_one_component_with_the_same_references(
    name: str, permission_set: str, split_file: str, corpus: Callable[[str], Path]
) -> None:
    from changeway.adapters.references import extract_references

    plain, split = _split_reads(corpus("sdr-sample-projects") / name)
    assert [c.key for c in plain] == [c.key for c in split]
    [whole] = [c for c in plain if c.name == permission_set and c.type == "PermissionSet"]
    [parts] = [c for c in split if c.key == whole.key]
    assert len(parts.files) > 1
    found = [
        sorted((str(ref.target), ref.reason) for ref in extract_references(component))
        for component in (whole, parts)
    ]
    assert found[0] == found[1]
    assert found[1]
    paths = {ref.path for ref in extract_references(parts)}
    assert any(path.endswith(f"/{split_file}-meta.xml") for path in paths)


def test_a_non_addressable_workflow_child_is_not_listed_on_its_own(
    corpus: Callable[[str], Path],
) -> None:
    plain, split = _split_reads(corpus("sdr-sample-projects") / "variant-workflow")
    assert [c.key for c in plain] == [c.key for c in split]
    [workflow] = [c for c in split if c.type == "Workflow"]
    assert any("/workflowAlerts/" in path for path in workflow.files)
