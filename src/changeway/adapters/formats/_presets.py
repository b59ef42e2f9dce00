"""Salesforce's opt-in finer decompositions (``sourceBehaviorOptions`` in sfdx-project.json).

Each option changes how some types are laid out in source format. The table gives, per option,
field overrides of existing registry types and new (non-addressable) child types; a type's
identity (name, full name) stays what it is without the option wherever Salesforce keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Overrides = dict[str, dict[str, Any]]

_WORKFLOW_CHILDREN = {"WorkflowKnowledgePublish": {"directory": "workflowKnowledgePublishes"}}
_SHARING_CHILDREN = {
    f"Sharing{kind}Rule": {"directory": f"sharing{kind}Rules"}
    for kind in ("Criteria", "Guest", "Owner", "Territory")
}
# (XML root and file suffix stem, folder, XML element in the permission set, unique id element)
_PERMISSION_SET_CHILDREN = (
    ("ApplicationVisibility", "applicationVisibilities", "application"),
    ("ClassAccess", "classAccesses", "apexClass"),
    ("CustomMetadataTypeAccess", "customMetadataTypeAccesses", "name"),
    ("CustomPermission", "customPermissions", "name"),
    ("CustomSettingAccess", "customSettingAccesses", "name"),
    (
        "ExternalCredentialPrincipalAccess",
        "externalCredentialPrincipalAccesses",
        "externalCredentialPrincipal",
    ),
    ("ExternalDataSourceAccess", "externalDataSourceAccesses", "externalDataSource"),
    ("FieldPermission", "fieldPermissions", "field"),
    ("FlowAccess", "flowAccesses", "flow"),
    ("ObjectPermission", "objectPermissions", "object"),
    ("PageAccess", "pageAccesses", "apexPage"),
    ("RecordTypeVisibility", "recordTypeVisibilities", "recordType"),
    ("TabSetting", "tabSettings", "tab"),
    ("UserPermission", "userPermissions", "name"),
)


SPLIT_SECTIONS: Mapping[str, Mapping[str, str]] = {
    "PermissionSet": {root: element for root, element, _ in _PERMISSION_SET_CHILDREN}
}
"""Type -> root element of a file split out of it -> the element it is in the whole file."""


def permission_set_child(root: str, directory: str, unique_id: str) -> dict[str, Any]:
    """A non-addressable child of a decomposed permission set (its files stay in the set)."""
    return {
        "suffix": root[0].lower() + root[1:],
        "directory": directory,
        "layout": "child",
        "parent": "PermissionSet",
        "element": directory,
        "unique_id": unique_id,
        "addressable": False,
        "root": root,
        "in_parent": True,
    }


def _permission_set(children: Iterable[tuple[str, str, str]]) -> Overrides:
    rows = {f"PermissionSet{row[0]}": permission_set_child(*row) for row in children}
    parent = {
        "layout": "decomposed",
        "decomposition": "folderPerType",
        "strict": True,
        "children": list(rows),
    }
    return {"PermissionSet": parent, **rows}


PERMISSION_SET_BETA2 = "permissionSetBeta2"
"""Transformer of ``decomposePermissionSetBeta2`` (see ``_permset2``)."""
_OBJECT_SETTINGS = frozenset(
    {"FieldPermission", "ObjectPermission", "RecordTypeVisibility", "TabSetting"}
)


def _beta2_child(root: str, element: str, unique_id: str) -> dict[str, Any]:
    """A child of a ``decomposePermissionSetBeta2`` set: per-object file or one file per kind."""
    row = permission_set_child(root, element, unique_id)
    if root in _OBJECT_SETTINGS:
        row.update(suffix="objectSettings", directory="objectSettings")
    elif root == "CustomPermission":
        row["suffix"] = "customPermissions"
    row["element"] = element
    return row


def _permission_set_beta2() -> Overrides:
    rows = {f"PermissionSet{row[0]}": _beta2_child(*row) for row in _PERMISSION_SET_CHILDREN}
    parent = {
        "layout": "decomposed",
        "decomposition": "topLevel",
        "strict": True,
        "transformer": PERMISSION_SET_BETA2,
        "children": list(rows),
    }
    return {"PermissionSet": parent, **rows}


PRESETS: Mapping[str, Overrides] = {
    "decomposeWorkflowBeta": {
        "Workflow": {"layout": "decomposed", "decomposition": "folderPerType", "strict": True},
        **_WORKFLOW_CHILDREN,
    },
    "decomposeSharingRulesBeta": {
        "SharingRules": {
            "layout": "decomposed",
            "decomposition": "folderPerType",
            "strict": True,
        },
        **_SHARING_CHILDREN,
    },
    "decomposePermissionSetBeta": _permission_set(_PERMISSION_SET_CHILDREN),
    "decomposePermissionSetBeta2": _permission_set_beta2(),
    "decomposeCustomLabelsBeta2": {
        "CustomLabel": {"layout": "label", "suffix": "label", "parent": None},
        "CustomLabels": {"children": []},
    },
}
"""Supported options and how each changes the registry."""


def overrides(options: Iterable[str]) -> Overrides:
    """Merged overrides of the supported ``options`` (unknown options are ignored)."""
    merged: Overrides = {}
    for option in sorted(set(options)):
        for name, facts in PRESETS.get(option, {}).items():
            merged.setdefault(name, {}).update(facts)
    return merged
