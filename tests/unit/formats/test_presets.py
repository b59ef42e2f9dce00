"""The preset table changes only the types an option names, and only when it is chosen."""

from __future__ import annotations

from changeway.adapters.formats import registry


def test_default_registry_is_unchanged_by_unknown_or_no_options() -> None:
    assert registry().types == registry(["noSuchOption"]).types
    assert registry().types["Workflow"].layout == "embedded"
    assert "PermissionSetFieldPermission" not in registry().types


def test_workflow_option_decomposes_workflows_per_type_folder() -> None:
    reg = registry(["decomposeWorkflowBeta"])
    assert (reg.types["Workflow"].layout, reg.types["Workflow"].decomposition) == (
        "decomposed",
        "folderPerType",
    )
    assert reg.types["WorkflowKnowledgePublish"].directory == "workflowKnowledgePublishes"
    assert reg.types["CustomObject"] == registry().types["CustomObject"]


def test_permission_set_children_stay_in_their_permission_set() -> None:
    child = registry(["decomposePermissionSetBeta"]).types["PermissionSetCustomPermission"]
    facts = (child.in_parent, child.addressable, child.xml_root)
    assert facts == (True, False, "CustomPermission")
    assert registry(["decomposePermissionSetBeta"]).by_suffix["customPermission"].name == (
        "CustomPermission"
    )


def test_permission_set_beta2_puts_object_permissions_in_object_settings() -> None:
    reg = registry(["decomposePermissionSetBeta2"])
    assert reg.types["PermissionSet"].transformer == "permissionSetBeta2"
    suffixes = {
        reg.types[name].xml_root: reg.types[name].suffix
        for name in reg.types["PermissionSet"].children
    }
    assert suffixes["FieldPermission"] == suffixes["TabSetting"] == "objectSettings"
    assert (suffixes["ClassAccess"], suffixes["CustomPermission"]) == (
        "classAccess",
        "customPermissions",
    )
    assert registry().types["PermissionSet"].transformer is None
