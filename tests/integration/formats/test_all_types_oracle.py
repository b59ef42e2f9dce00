"""Every type of the registry converts like Salesforce's own converter, both ways.

One project holds a real-shaped sample of each type (``tests/type_samples.py``); the reference
converter and ours convert it to Metadata API format, and that output back to source format.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from changeway.adapters.formats import parse_manifest, read_metadata, write_mdapi, write_source
from tests.integration.formats._compare import compare_trees
from tests.type_samples import sample, sampled_types
from tests.unit.formats.test_all_types import write_project

pytestmark = pytest.mark.oracle
Oracle = Callable[[str, Path], Path]
NEWER_THAN_ORACLE = frozenset({"AiAgentDefinition", "AiAgentDefinitionVersion"})
"""Types of the reference registry that the reference converter's version predates."""


@pytest.fixture(scope="module")
def all_types(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files: dict[str, bytes] = {}
    for name in sampled_types():
        if name not in NEWER_THAN_ORACLE:
            files.update(sample(name).files)
    return write_project(tmp_path_factory.mktemp("all-types") / "project", files)


def _assert_same(expected: Path, actual: Path) -> None:
    result = compare_trees(expected, actual)
    print(result.summary())
    assert (result.missing, result.extra, result.differing) == ([], [], [])
    assert result.xml_equal == result.zip_equal == 0  # byte for byte


def test_every_type_converts_to_mdapi_like_salesforce(
    all_types: Path, oracle: Oracle, tmp_path: Path
) -> None:
    expected = oracle("source-to-mdapi", all_types / "force-app")
    metadata = read_metadata(all_types)
    assert len(metadata.components) > len(sampled_types()) - len(NEWER_THAN_ORACLE)
    write_mdapi(metadata.components, tmp_path, api_version=metadata.api_version)
    _assert_same(expected, tmp_path)
    assert parse_manifest(tmp_path / "package.xml") == parse_manifest(expected / "package.xml")


def test_every_type_converts_back_to_source_like_salesforce(
    all_types: Path, oracle: Oracle, tmp_path: Path
) -> None:
    mdapi = oracle("source-to-mdapi", all_types / "force-app")
    expected = oracle("mdapi-to-source", mdapi)
    metadata = read_metadata(mdapi)
    write_source(metadata.components, tmp_path)
    _assert_same(expected, tmp_path / "force-app")
