"""Every type of the registry, from a real-shaped sample: recognised, named, converted and back.

Salesforce's converter is the reference for the same samples in
``tests/integration/formats/test_all_types_oracle.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from changeway.adapters.formats import (
    parse_manifest,
    read_metadata,
    registry,
    write_mdapi,
    write_source,
)
from changeway.domain.components import ComponentKey
from tests.type_samples import sample, sampled_types

PACKAGE = "force-app/main/default"


def write_project(root: Path, files: dict[str, bytes]) -> Path:
    """An SFDX project holding ``files`` (paths relative to its package directory)."""
    (root / "force-app").mkdir(parents=True)
    (root / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app", "default": true}],'
        ' "sourceApiVersion": "62.0"}'
    )
    for rel, data in files.items():
        path = root / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _components(keys: set[ComponentKey]) -> set[ComponentKey]:
    """The keys that are components of their own (embedded children are listed, not stored)."""
    reg = registry()

    def own(key: ComponentKey) -> bool:
        mdtype = reg.types[key.type]
        if mdtype.layout != "child":
            return True
        return reg.types[mdtype.parent or ""].layout == "decomposed"

    return {k for k in keys if own(k)}


def _listed(keys: set[ComponentKey]) -> set[ComponentKey]:
    """The keys package.xml lists: no unaddressable children, folders under their content."""
    reg = registry()
    listed = set()
    for key in keys:
        mdtype = reg.types[key.type]
        if not mdtype.addressable:
            continue
        if mdtype.folder_of:
            slash = "/" if key.type in ("ReportFolder", "DashboardFolder") else ""
            key = ComponentKey(mdtype.folder_of, key.name + slash)
        listed.add(key)
    return listed


@pytest.mark.parametrize("type_name", sampled_types())
def test_type_is_read_converted_and_read_back(type_name: str, tmp_path: Path) -> None:
    expected = sample(type_name)
    project = write_project(tmp_path / "project", expected.files)
    metadata = read_metadata(project)
    assert {c.key for c in metadata.components} == _components(expected.keys)
    assert (metadata.skipped, metadata.warnings) == ([], [])
    write_mdapi(metadata.components, tmp_path / "mdapi", api_version="62.0")
    listed = {ComponentKey(t, m) for t, m in parse_manifest(tmp_path / "mdapi" / "package.xml")}
    assert listed == _listed(expected.keys)
    back = read_metadata(tmp_path / "mdapi")
    write_source(back.components, tmp_path / "back")
    for rel, data in expected.files.items():
        assert (tmp_path / "back" / PACKAGE / rel).read_bytes() == data, rel


def test_samples_cover_every_type_salesforce_names() -> None:
    reg = registry()
    covered = {k.type for name in sampled_types() for k in sample(name).keys}
    uncovered = {name for name, mdtype in reg.types.items() if not mdtype.alias_for} - covered
    # Only children Salesforce never names on their own: embedded without a unique name.
    assert uncovered
    assert all(
        reg.types[name].layout == "child" and not reg.types[name].addressable for name in uncovered
    ), uncovered
