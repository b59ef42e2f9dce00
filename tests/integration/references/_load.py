"""Test scaffolding: a small loader that turns a project folder into Components.

It knows just enough of the source format (and of the Metadata API format, for classes,
pages, triggers, objects, labels and the like) to feed the reference extractors. The formats
adapter is the real reader; this may be replaced by it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from changeway.domain.components import Component, ComponentKey

# Suffix (before -meta.xml, or the Metadata API file suffix) -> metadata type.
SUFFIX_TYPES = {
    "cls": "ApexClass",
    "trigger": "ApexTrigger",
    "page": "ApexPage",
    "component": "ApexComponent",
    "object": "CustomObject",
    "field": "CustomField",
    "listView": "ListView",
    "recordType": "RecordType",
    "validationRule": "ValidationRule",
    "compactLayout": "CompactLayout",
    "webLink": "WebLink",
    "fieldSet": "FieldSet",
    "businessProcess": "BusinessProcess",
    "layout": "Layout",
    "flexipage": "FlexiPage",
    "flow": "Flow",
    "permissionset": "PermissionSet",
    "permissionsetgroup": "PermissionSetGroup",
    "profile": "Profile",
    "md": "CustomMetadata",
    "quickAction": "QuickAction",
    "tab": "CustomTab",
    "app": "CustomApplication",
    "labels": "CustomLabels",
    "messageChannel": "LightningMessageChannel",
    "resource": "StaticResource",
    "asset": "ContentAsset",
    "workflow": "Workflow",
    "sharingRules": "SharingRules",
    "customPermission": "CustomPermission",
    "globalValueSet": "GlobalValueSet",
    "email": "EmailTemplate",
    "letter": "Letterhead",
    "report": "Report",
    "reportType": "ReportType",
    "dashboard": "Dashboard",
}
# Types stored in folders: their full name is ``Folder/Name``.
_FOLDERED = {"EmailTemplate", "Report", "Dashboard"}
# Folders whose content belongs to one component per entry (bundles, expanded resources).
_BUNDLES = {
    "lwc": "LightningComponentBundle",
    "aura": "AuraDefinitionBundle",
    "staticresources": "StaticResource",
}
_IGNORED_PARTS = {"__tests__", "jest-mocks", "__mocks__"}
_IGNORED_NAMES = {"jsconfig.json", ".eslintrc.json", ".eslintrc", "tsconfig.json"}


def package_dirs(project: Path) -> list[Path]:
    """The package directories named by ``sfdx-project.json``."""
    config = json.loads((project / "sfdx-project.json").read_text())
    return [project / entry["path"] for entry in config["packageDirectories"]]


def load_project(project: Path) -> list[Component]:
    """Every component of every package directory of ``project``."""
    files: dict[ComponentKey, dict[str, bytes]] = defaultdict(dict)
    for package in package_dirs(project):
        for path in sorted(p for p in package.rglob("*") if p.is_file()):
            relative = path.relative_to(project)
            if _IGNORED_PARTS & set(relative.parts) or path.name in _IGNORED_NAMES:
                continue
            key = component_key(relative)
            if key is not None:
                files[key][relative.as_posix()] = path.read_bytes()
    return [Component(key.type, key.name, data) for key, data in sorted(files.items())]


def component_key(path: Path) -> ComponentKey | None:
    """The component a project file belongs to, or None for files this loader ignores."""
    parts = path.parts
    for folder, bundle_type in _BUNDLES.items():
        if folder in parts[:-1]:
            index = parts.index(folder)
            if bundle_type != "StaticResource" and index + 2 >= len(parts):
                return None  # a loose file beside the bundles
            return ComponentKey(bundle_type, parts[index + 1].split(".")[0])
    name = path.name.removesuffix("-meta.xml")
    stem, _, suffix = name.rpartition(".")
    type_ = SUFFIX_TYPES.get(suffix)
    if type_ is None or not stem:
        return None
    if "objects" in parts and type_ != "CustomObject" and len(parts) >= 4:
        return ComponentKey(type_, f"{parts[-3]}.{stem}")
    if type_ in _FOLDERED:
        return ComponentKey(type_, f"{parts[-2]}/{stem}")
    if type_ == "CustomMetadata" or type_ == "QuickAction":
        return ComponentKey(type_, stem)
    return ComponentKey(type_, stem.split(".")[0] if "." in stem else stem)
