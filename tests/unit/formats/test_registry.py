"""Our registry covers every type of Salesforce's, with the same names, suffixes and folders."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from changeway.adapters.formats import registry
from changeway.adapters.formats._sdr_registry import types_from_sdr
from tests import corpora


def _raw_reference() -> dict[str, Any]:
    path = corpora.shared_dir() / "reference" / "sdr-metadataRegistry.json"
    return dict(json.loads(path.read_text("utf-8")))


def _reference() -> dict[str, dict[str, Any]]:
    types = _raw_reference()["types"]
    flat = {entry["name"]: entry for entry in types.values()}
    for entry in types.values():
        for child in entry.get("children", {}).get("types", {}).values():
            flat.setdefault(child["name"], child)
    return flat


def test_shipped_types_are_generated_from_the_reference_registry() -> None:
    shipped = json.loads(
        resources.files("changeway.adapters.formats").joinpath("types.json").read_text("utf-8")
    )
    assert shipped == types_from_sdr(_raw_reference()), "run scripts/generate-types"


def test_every_reference_type_is_known_with_its_folder_and_suffix() -> None:
    reference = _reference()
    types = registry().types
    assert set(reference) == set(types)
    assert len([t for t in _raw_reference()["types"].values()]) == 535
    for name, facts in reference.items():
        assert types[name].directory == facts["directoryName"], name
        assert types[name].suffix == facts.get("suffix"), name


def test_children_match_the_reference_registry() -> None:
    reference = _reference()
    for name, mdtype in registry().types.items():
        expected = {
            c["name"] for c in reference[name].get("children", {}).get("types", {}).values()
        }
        assert set(mdtype.children) == expected, name


def test_shared_suffixes_resolve_as_salesforce_decides() -> None:
    reg = registry()
    assert reg.by_suffix["site"].name == "SiteDotCom"
    assert reg.by_suffix["settings"].name == "Settings"
    assert reg.by_suffix["weblink"].name == reg.by_suffix["custompageweblink"].name
    assert [t.name for t in reg.strict][:3] == [
        "ActionableEventOrchDef",
        "ActionableEventTypeDef",
        "AiAgentDefinitionVersion",
    ]


def test_lookups() -> None:
    reg = registry()
    assert reg.by_suffix["cls"].name == "ApexClass"
    assert reg.by_suffix["labels"].name == "CustomLabels"
    custom_object = reg.types["CustomObject"]
    assert reg.child_by_suffix(custom_object, "field") == reg.types["CustomField"]
    assert reg.child_by_suffix(custom_object, "indexe") == reg.types["Index"]
    assert reg.child_by_group(reg.types["Workflow"], "rules") == reg.types["WorkflowRule"]
    assert reg.get("NoSuchType") is None


def test_settings_files_are_rooted_in_their_own_name() -> None:
    settings = registry().types["Settings"]
    assert settings.root_for("LightningExperience") == "LightningExperienceSettings"
    assert registry().types["ApexClass"].root_for("Foo") == "ApexClass"
