"""Our registry (``types.json``) derived from the facts of Salesforce's metadata type registry.

Salesforce's converter describes every type by its folder, suffix and a conversion strategy;
``types_from_sdr`` turns that description into our own schema (see ``registry.py``), so that
the shipped ``types.json`` covers every type Salesforce knows. ``scripts/generate-types``
writes its result; a test checks the shipped file against the reference at test time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Facts = dict[str, Any]

ROOTS = {"Settings": "{name}Settings"}
"""Types whose files are not rooted in the type's name: a settings file's root is named after
the file (``Account.settings-meta.xml`` holds ``<AccountSettings>``)."""

_MIXED = {"StaticResource": "static_resource", "ExperienceBundle": "experience"}


def _layout(raw: Mapping[str, Any]) -> str:
    strategies = raw.get("strategies") or {}
    adapter = strategies.get("adapter")
    if raw.get("folderContentType"):
        return "folder"
    if adapter in ("bundle", "uiBundles"):
        return "bundle"
    if adapter == "matchingContentFile":
        return "content"
    if adapter == "mixedContent":
        return _MIXED.get(raw["name"], "mixed")
    if adapter == "decomposed":
        return "decomposed"
    if adapter == "digitalExperience":
        return "digital_experience"
    return "embedded" if raw.get("children") else "xml"


def _child(raw: Mapping[str, Any], parent: str, embedded: bool) -> Facts:
    """A child type: decomposed into files of its own, or embedded in its parent's file."""
    facts: Facts = {
        "directory": raw["directoryName"],
        "suffix": raw.get("suffix"),
        "layout": "child",
        "parent": parent,
    }
    if raw.get("xmlElementName"):
        facts["element"] = raw["xmlElementName"]
    if raw.get("uniqueIdElement"):
        facts["unique_id"] = raw["uniqueIdElement"]
    listed = bool(raw.get("xmlElementName") and raw.get("uniqueIdElement"))
    if raw.get("isAddressable") is False or (embedded and not listed):
        # Salesforce names an embedded child only when it can find it in the parent's file.
        facts["addressable"] = False
    if raw.get("ignoreParentName"):
        facts["full_name"] = "own"
    if raw.get("legacySuffix"):
        facts["legacy_suffix"] = raw["legacySuffix"]
    return facts


def _type(raw: Mapping[str, Any], names: Mapping[str, str]) -> Facts:
    layout = _layout(raw)
    facts: Facts = {"directory": raw["directoryName"], "layout": layout}
    if raw.get("suffix"):
        facts["suffix"] = raw["suffix"]
    if raw.get("strictDirectoryName"):
        facts["strict"] = True
    if raw.get("inFolder") and raw.get("folderType"):
        facts["in_folder"] = names[raw["folderType"]]
    elif raw.get("folderType"):
        facts["folder_type"] = names[raw["folderType"]]
    if raw.get("folderContentType"):
        facts["folder_of"] = names[raw["folderContentType"]]
    if raw.get("aliasFor"):
        facts["alias_for"] = names[raw["aliasFor"]]
    strategies = raw.get("strategies") or {}
    if strategies.get("decomposition"):
        facts["decomposition"] = strategies["decomposition"]
    children = (raw.get("children") or {}).get("types") or {}
    if children:
        facts["children"] = sorted(child["name"] for child in children.values())
    if raw.get("legacySuffix"):
        facts["legacy_suffix"] = raw["legacySuffix"]
    if raw.get("metaFileSuffix"):
        facts["meta_file"] = raw["metaFileSuffix"]
    if raw.get("ignoreParsedFullName"):
        facts["fixed_name"] = True
    if raw["name"] in ROOTS:
        facts["root"] = ROOTS[raw["name"]]
    return facts


def types_from_sdr(reference: Mapping[str, Any]) -> Facts:
    """Our ``types.json`` content for Salesforce's registry document ``reference``."""
    raw_types: Mapping[str, Mapping[str, Any]] = reference["types"]
    names = {type_id: raw["name"] for type_id, raw in raw_types.items()}
    for raw in raw_types.values():
        for child_id, child in ((raw.get("children") or {}).get("types") or {}).items():
            names[child_id] = child["name"]
    types: dict[str, Facts] = {}
    for raw in raw_types.values():
        types[raw["name"]] = _type(raw, names)
        embedded = _layout(raw) == "embedded"
        for child in ((raw.get("children") or {}).get("types") or {}).values():
            types[child["name"]] = _child(child, raw["name"], embedded)
    return {
        "types": dict(sorted(types.items())),
        "suffixes": {suffix: names[type_id] for suffix, type_id in reference["suffixes"].items()},
        "strict_directories": [names[t] for t in reference["strictDirectoryNames"].values()],
    }
