"""``registryCustomizations`` become registry overrides like the preset options."""

from __future__ import annotations

from typing import Any

from changeway.adapters.formats import registry


def _workflow(addressable: bool) -> dict[str, Any]:
    alert = {
        "directoryName": "workflowAlerts",
        "id": "workflowalert",
        "isAddressable": addressable,
        "name": "WorkflowAlert",
        "suffix": "workflowAlert",
        "xmlElementName": "alerts",
    }
    return {
        "types": {
            "workflow": {
                "children": {"types": {"workflowalert": alert}},
                "directoryName": "workflows",
                "id": "workflow",
                "name": "Workflow",
                "strategies": {"adapter": "decomposed", "decomposition": "folderPerType"},
                "suffix": "workflow",
            }
        }
    }


def test_a_decomposed_customization_replaces_the_type_and_its_children() -> None:
    reg = registry(customizations=_workflow(addressable=False))
    workflow = reg.types["Workflow"]
    assert (workflow.layout, workflow.decomposition, workflow.children) == (
        "decomposed",
        "folderPerType",
        ("WorkflowAlert",),
    )
    alert = reg.types["WorkflowAlert"]
    assert (alert.in_parent, alert.addressable, alert.group, alert.directory) == (
        True,
        False,
        "alerts",
        "workflowAlerts",
    )
    assert not registry(customizations=_workflow(addressable=True)).types["WorkflowAlert"].in_parent


def test_a_child_named_like_another_type_is_renamed_but_keeps_its_root() -> None:
    block = _workflow(addressable=False)
    block["types"]["workflow"]["children"]["types"]["workflowalert"]["name"] = "ApexClass"
    reg = registry(customizations=block)
    assert reg.types["ApexClass"] == registry().types["ApexClass"]
    assert reg.types["Workflow"].children == ("WorkflowApexClass",)
    assert reg.types["WorkflowApexClass"].xml_root == "ApexClass"


def test_malformed_or_unsupported_customizations_change_nothing() -> None:
    unsupported = {"types": {"x": {"name": "ApexClass", "strategies": {"adapter": "bundle"}}}}
    missing = {"types": {"x": {"name": "Workflow", "strategies": {"adapter": "decomposed"}}}}
    for block in ({}, {"types": []}, {"types": {"x": 3}}, unsupported, missing):
        assert registry(customizations=block).types == registry().types
