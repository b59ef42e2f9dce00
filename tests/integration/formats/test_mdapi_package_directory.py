"""An SFDX project whose package directory holds Metadata API files (an older layout)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from changeway.adapters.formats import read_metadata


def test_a_package_directory_in_metadata_api_format_is_read_as_such(
    corpus: Callable[[str], Path],
) -> None:
    root = corpus("Volunteers-for-Salesforce")
    assert (root / "sfdx-project.json").is_file() and (root / "src" / "package.xml").is_file()
    through_project = read_metadata(root)
    direct = read_metadata(root / "src")
    assert len(direct.components) > 1000
    assert [c.key for c in through_project.components] == [c.key for c in direct.components]
    assert through_project.skipped == direct.skipped
