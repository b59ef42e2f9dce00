"""Children held inside one component's file (labels, workflow actions, Metadata API objects).

Such children can be named by references (``$Label.X`` names ``CustomLabel:X``) even when the
component model keeps them in their container, so the graph must know the container provides
them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from lxml import etree

from changeway.adapters.formats._presets import SPLIT_SECTIONS
from changeway.adapters.references import _xml
from changeway.domain.components import Component, ComponentKey

# Container type -> element holding one child -> child type.
CHILD_SECTIONS: Mapping[str, Mapping[str, str]] = {
    "CustomLabels": {"labels": "CustomLabel"},
    "CustomObject": {
        "businessProcesses": "BusinessProcess",
        "compactLayouts": "CompactLayout",
        "fields": "CustomField",
        "fieldSets": "FieldSet",
        "indexes": "Index",
        "listViews": "ListView",
        "recordTypes": "RecordType",
        "sharingReasons": "SharingReason",
        "validationRules": "ValidationRule",
        "webLinks": "WebLink",
    },
    "Workflow": {
        "alerts": "WorkflowAlert",
        "fieldUpdates": "WorkflowFieldUpdate",
        "flowActions": "WorkflowFlowAction",
        "knowledgePublishes": "WorkflowKnowledgePublish",
        "outboundMessages": "WorkflowOutboundMessage",
        "rules": "WorkflowRule",
        "send": "WorkflowSend",
        "tasks": "WorkflowTask",
    },
    "SharingRules": {
        "sharingCriteriaRules": "SharingCriteriaRule",
        "sharingGuestRules": "SharingGuestRule",
        "sharingOwnerRules": "SharingOwnerRule",
        "sharingTerritoryRules": "SharingTerritoryRule",
    },
}

# Children whose full name is not prefixed by the container's name.
_UNPREFIXED = frozenset({"CustomLabels"})


def children(component: Component) -> Iterator[tuple[ComponentKey, etree._Element, str]]:
    """The children held in a component's files: key, element and file path."""
    yield from split_sections(component)
    sections = CHILD_SECTIONS.get(component.type)
    if not sections:
        return
    for path, data in sorted(component.files.items()):
        if not path.endswith((".xml", ".object", ".labels", ".workflow", ".sharingRules")):
            continue
        root = _xml.parse(data)
        if root is None:
            continue
        for element in root:
            child_type = sections.get(_xml.local_name(element))
            name = _xml.child_text(element, "fullName") if child_type else None
            if child_type and name:
                full_name = name if component.type in _UNPREFIXED else f"{component.name}.{name}"
                yield ComponentKey(child_type, full_name), element, path


def split_sections(component: Component) -> Iterator[tuple[ComponentKey, etree._Element, str]]:
    """Files split out of a component by an opt-in decomposition, read as their section.

    A decomposed permission set keeps ``<FieldPermission>`` files beside its own file; each is
    wrapped as ``<PermissionSet><fieldPermissions>`` so that the type's rules apply unchanged.
    """
    sections = SPLIT_SECTIONS.get(component.type)
    if not sections:
        return
    for path, data in sorted(component.files.items()):
        root = _xml.parse(data) if path.endswith(".xml") else None
        element = sections.get(_xml.local_name(root)) if root is not None else None
        if root is None or element is None:
            continue
        root.tag = element
        wrapper = etree.Element(component.type)
        wrapper.append(root)
        yield component.key, wrapper, path


def provided_keys(component: Component) -> set[ComponentKey]:
    """The keys a component makes exist: itself and the children its files hold."""
    return {component.key, *(key for key, _, _ in children(component))}
