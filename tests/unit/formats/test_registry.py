"""Our registry agrees with Salesforce's on names, suffixes and folders."""

from __future__ import annotations

import json

from changeway.adapters.formats import registry
from tests import corpora


def _reference() -> dict[str, dict[str, object]]:
    path = corpora.shared_dir() / "reference" / "sdr-metadataRegistry.json"
    types = json.loads(path.read_text("utf-8"))["types"]
    flat = {entry["name"]: entry for entry in types.values()}
    for entry in types.values():
        for child in entry.get("children", {}).get("types", {}).values():
            flat.setdefault(child["name"], child)
    return flat


def test_every_type_matches_the_reference_registry() -> None:
    reference = _reference()
    for name, mdtype in registry().types.items():
        assert name in reference, name
        facts = reference[name]
        assert mdtype.directory == facts["directoryName"], name
        assert mdtype.suffix == facts.get("suffix"), name


def test_children_match_the_reference_registry() -> None:
    reference = _reference()
    for name, mdtype in registry().types.items():
        if mdtype.layout == "decomposed" or mdtype.children:
            expected = {
                child["name"]
                for child in reference[name].get("children", {}).get("types", {}).values()
            }
            assert set(mdtype.children) <= expected, name


def test_lookups() -> None:
    reg = registry()
    assert reg.by_suffix["cls"].name == "ApexClass"
    assert reg.by_suffix["labels"].name == "CustomLabels"
    custom_object = reg.types["CustomObject"]
    assert reg.child_by_suffix(custom_object, "field") == reg.types["CustomField"]
    assert reg.child_by_suffix(custom_object, "indexe") == reg.types["Index"]
    assert reg.child_by_group(reg.types["Workflow"], "rules") == reg.types["WorkflowRule"]
    assert reg.get("NoSuchType") is None
