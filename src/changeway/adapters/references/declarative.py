"""References in declarative XML metadata, driven by a table of element paths.

Each rule says: the text of element ``leaf`` under element ``parent`` names a component, built
by a *kind* (a small function of the text, the element and the component's object) and
explained by a reason. Types whose references need more than a table (flows) add code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from lxml import etree

from changeway.adapters.references import _xml
from changeway.adapters.references._collect import References
from changeway.adapters.references._names import (
    component_refs,
    field_key,
    field_path_keys,
    is_relationship,
    object_key,
)
from changeway.adapters.references.formulas import formula_names
from changeway.adapters.references.templates import merge_fields, url_targets
from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import is_custom_object_name, parent_object

Kind = Callable[[str, etree._Element, str | None], list[ComponentKey]]


def _named(type_: str) -> Kind:
    """The text is the full name of a ``type_`` component."""
    return lambda text, element, obj: [ComponentKey(type_, text)]


def _object_child(type_: str) -> Kind:
    """The text names a child (``type_``) of the component's object."""
    return lambda text, element, obj: [ComponentKey(type_, f"{obj}.{text}")] if obj else []


def _object(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    return [object_key(text)]


def _own_field(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A field path relative to the component's object (``Field__c``, ``Parent__r.Name``)."""
    return field_path_keys(text.removeprefix("Record."), obj, qualified=False)


def _qualified_field(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A field written with its object (``Obj__c.Field__c``)."""
    return field_path_keys(text, obj, qualified=True)


def _column(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A column: ``Field__c``, ``Obj__c.Field__c``, ``Rel__r.Name`` or ``ACCOUNT.NAME``."""
    parts = text.split(".")
    if len(parts) == 1 or is_relationship(parts[0]):
        return _own_field(text, element, obj)
    if len(parts) == 2:
        return [field_key(parts[0], parts[1])]
    return []


def _formula(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    return [key for key, _ in formula_names(text, obj)]


def _merge(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """Text with ``{!Object.Field__c}`` merge fields (email subjects and bodies)."""
    return [key for key, _ in merge_fields(text)]


def _url(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A button's or link's URL: merge fields and the Visualforce page it opens."""
    return [key for key, _ in url_targets(text)]


# Kinds whose text spans lines: each name gets its own line.
_MULTILINE: Mapping[Kind, Callable[[str, str | None], Iterable[tuple[ComponentKey, int]]]] = {
    _formula: formula_names,
    _merge: lambda text, obj: merge_fields(text),
    _url: lambda text, obj: url_targets(text),
}


def _report_type(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A report's type: a custom report type (``Name__c``) or standard entities
    (``ContactCustomEntity$Hours__c@Hours__c.Job__c``: objects, then lookups joined)."""
    prefix, dollar, entities = text.partition("$")
    if not dollar:
        custom = prefix.lower().endswith("__c")
        return [ComponentKey("ReportType", prefix[:-3])] if custom else []
    keys = []
    for entity in entities.split("$"):
        name, *lookups = entity.split("@")
        keys.append(object_key(name))
        keys += [field_key(*lookup.split(".")) for lookup in lookups if lookup.count(".") == 1]
    return keys


def _report_column(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A report column: ``Object.Field__c``, or ``Table$Field__c`` on a custom report type
    (a table with a relationship path, ``Obj__c.Children__r$F__c``, names an unknown object);
    ``Lookup__c.Name`` after the table, or ``Obj__c.Lookup__c.F__c``, counts the lookup field
    (the object it leads to is not in the file). Summary formulas add ``:SUM``."""
    keys = []
    for column in re.findall(r"[\w.$]+", text):
        table, dollar, field = column.rpartition("$")
        if dollar and table and "." not in table:
            keys.append(field_key(table, field.split(".", 1)[0]))
        elif not dollar and column.count(".") == 1:
            keys.append(field_key(*column.split(".")))
        elif not dollar and column.count(".") == 2 and column.split(".")[1].endswith("__c"):
            keys.append(field_key(*column.split(".")[:2]))  # Obj__c.Lookup__c.Field__c
    return keys


def _report_type_column(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A report type's column: a field of its ``<table>`` when that is an object (not a
    relationship path), or the lookup field it starts with (``Lookup__c.Name``)."""
    parent = element.getparent()
    table = (_xml.child_text(parent, "table") or "") if parent is not None else ""
    if not table or "." in table:
        return []
    return [field_key(table, text.split(".", 1)[0])]


def _component(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    return component_refs(text if ":" in text else f"c:{text}")


def _merge_field(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A ``{!Record.Field__c}`` merge field in a page visibility rule."""
    return _own_field(text.strip("{!}"), element, obj)


def _related_list(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """``Child__c.Lookup__c`` names the lookup field of a custom related list."""
    return _qualified_field(text, element, obj) if "." in text else []


def _related_list_column(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A related list's column: a field (or path) of the child object its ``<relatedList>``
    (``Child__c.Lookup__c``) names, or a field written with its object (``Child__c.F__c``)."""
    parent = element.getparent()
    related = (_xml.child_text(parent, "relatedList") or "") if parent is not None else ""
    child, dot, _lookup = related.partition(".")
    first = text.split(".", 1)[0]
    if dot and ("." not in text or is_relationship(first)):
        return field_path_keys(text, child, qualified=False)
    return [field_key(*text.split(".", 1))] if text.count(".") == 1 else []


_OVERRIDE_TYPES = {"flexipage": "FlexiPage", "visualforce": "ApexPage"}


def _override(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """An action override's content, whose type is a sibling element."""
    parent = element.getparent()
    kind = (_xml.child_text(parent, "type") or "").lower() if parent is not None else ""
    if kind == "lightningcomponent":
        return _component(text, element, obj)
    return [ComponentKey(_OVERRIDE_TYPES[kind], text)] if kind in _OVERRIDE_TYPES else []


def _sibling_says(name: str, values: frozenset[str], kind: Kind) -> Kind:
    """``kind``, when the sibling element ``name`` holds one of ``values`` (a type switch)."""

    def switched(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
        parent = element.getparent()
        value = (_xml.child_text(parent, name) or "") if parent is not None else ""
        return kind(text, element, obj) if value.lower() in values else []

    return switched


def _record_type(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A record type of the component's object; ``__MASTER__`` is the object's default."""
    return [] if text == "__MASTER__" else _object_child("RecordType")(text, element, obj)


def _layout(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    return [ComponentKey("Layout", text)]


def _record_custom_object(
    text: str, element: etree._Element, obj: str | None
) -> list[ComponentKey]:
    """A tab with ``<customObject>true`` shows the object of the same name."""
    return [object_key(obj)] if text == "true" and obj else []


def _lookup_filter(text: str, element: etree._Element, obj: str | None) -> list[ComponentKey]:
    """A lookup filter operand: ``$Source.Field__c`` (own object) or ``Target__c.Field__c``."""
    if text.startswith("$"):
        return [key for key, _ in formula_names(text, obj)]
    return _column(text, element, obj)


@dataclass(frozen=True)
class Rule:
    """What the text of one element names, and why that is a dependency."""

    kind: Kind
    reason: str
    candidate: bool = False


_ACCESS_RULES: Mapping[tuple[str, str], Rule] = {
    ("fieldPermissions", "field"): Rule(_qualified_field, "grants access to field"),
    ("objectPermissions", "object"): Rule(_object, "grants access to object"),
    ("classAccesses", "apexClass"): Rule(_named("ApexClass"), "grants access to Apex class"),
    ("pageAccesses", "apexPage"): Rule(_named("ApexPage"), "grants access to Visualforce page"),
    ("tabSettings", "tab"): Rule(_named("CustomTab"), "sets visibility of tab"),
    ("tabVisibilities", "tab"): Rule(_named("CustomTab"), "sets visibility of tab"),
    ("applicationVisibilities", "application"): Rule(
        _named("CustomApplication"), "grants access to app"
    ),
    ("recordTypeVisibilities", "recordType"): Rule(
        _named("RecordType"), "grants access to record type"
    ),
    ("customPermissions", "name"): Rule(_named("CustomPermission"), "grants custom permission"),
    ("customMetadataTypeAccesses", "name"): Rule(_object, "grants access to metadata type"),
    ("customSettingAccesses", "name"): Rule(_object, "grants access to custom setting"),
    ("flowAccesses", "flow"): Rule(_named("Flow"), "grants access to flow"),
    ("layoutAssignments", "layout"): Rule(_layout, "assigns page layout", candidate=True),
    ("layoutAssignments", "recordType"): Rule(_named("RecordType"), "assigns layout for"),
    ("externalDataSourceAccesses", "externalDataSource"): Rule(
        _named("ExternalDataSource"), "grants access to external data source"
    ),
}

_OBJECT_RULES: Mapping[tuple[str, str], Rule] = {
    ("actionOverrides", "content"): Rule(_override, "overrides an action with"),
    ("CustomObject", "compactLayoutAssignment"): Rule(
        _object_child("CompactLayout"), "assigns compact layout", candidate=True
    ),
    **{
        ("searchLayouts", leaf): Rule(_column, "shows field in search layout")
        for leaf in (
            "customTabListAdditionalFields",
            "lookupDialogsAdditionalFields",
            "lookupPhoneDialogsAdditionalFields",
            "searchResultsAdditionalFields",
            "searchFilterFields",
        )
    },
    ("searchLayouts", "listViewButtons"): Rule(_object_child("WebLink"), "shows button"),
}

_FIELD_RULES: Mapping[tuple[str, str], Rule] = {
    ("CustomField", "referenceTo"): Rule(_object, "relationship field references object"),
    ("CustomField", "formula"): Rule(_formula, "formula uses"),
    ("CustomField", "defaultValue"): Rule(_formula, "default value formula uses"),
    ("valueSet", "valueSetName"): Rule(_named("GlobalValueSet"), "picklist uses global value set"),
    ("valueSet", "controllingField"): Rule(_own_field, "dependent picklist is controlled by"),
    ("filterItems", "field"): Rule(_lookup_filter, "lookup filter uses"),
    ("filterItems", "valueField"): Rule(_lookup_filter, "lookup filter uses"),
    ("CustomField", "summaryForeignKey"): Rule(_qualified_field, "roll-up summary counts through"),
    ("CustomField", "summarizedField"): Rule(_qualified_field, "roll-up summary aggregates"),
}

_LAYOUT_RULES: Mapping[tuple[str, str], Rule] = {
    ("layoutItems", "field"): Rule(_own_field, "layout shows field"),
    ("layoutItems", "page"): Rule(_named("ApexPage"), "layout embeds Visualforce page"),
    ("layoutItems", "customLink"): Rule(_object_child("WebLink"), "layout shows link"),
    ("Layout", "customButtons"): Rule(_object_child("WebLink"), "layout shows button"),
    ("relatedLists", "relatedList"): Rule(_related_list, "layout shows related list through"),
    ("relatedLists", "fields"): Rule(_related_list_column, "layout related list shows column"),
    ("miniLayout", "fields"): Rule(_own_field, "mini layout shows field"),
    ("summaryLayoutItems", "field"): Rule(_own_field, "highlights panel shows field"),
    ("Layout", "relatedObjects"): Rule(_own_field, "layout shows related object through"),
    ("quickActionListItems", "quickActionName"): Rule(
        _named("QuickAction"), "layout shows action", candidate=True
    ),
}

_FLEXIPAGE_RULES: Mapping[tuple[str, str], Rule] = {
    ("FlexiPage", "sobjectType"): Rule(_object, "record page is for object"),
    ("componentInstance", "componentName"): Rule(_component, "Lightning page places component"),
    ("fieldInstance", "fieldItem"): Rule(_own_field, "Lightning page shows field"),
    ("criteria", "leftValue"): Rule(_merge_field, "visibility rule uses field"),
    ("FlexiPage", "parentFlexiPage"): Rule(
        _named("FlexiPage"), "Lightning page extends", candidate=True
    ),
    ("valueListItems", "value"): Rule(
        _named("QuickAction"), "Lightning page shows action", candidate=True
    ),
}

_QUICK_ACTION_RULES: Mapping[tuple[str, str], Rule] = {
    ("QuickAction", "targetObject"): Rule(_object, "action creates or updates object"),
    ("QuickAction", "lightningWebComponent"): Rule(
        _named("LightningComponentBundle"), "action opens Lightning web component"
    ),
    ("QuickAction", "lightningComponent"): Rule(_component, "action opens Lightning component"),
    ("QuickAction", "page"): Rule(_named("ApexPage"), "action opens Visualforce page"),
    ("QuickAction", "flowDefinition"): Rule(_named("Flow"), "action launches flow"),
    ("quickActionLayoutItems", "field"): Rule(_own_field, "action layout shows field"),
    ("fieldOverrides", "field"): Rule(_own_field, "action predefines field"),
    ("QuickAction", "targetRecordType"): Rule(_named("RecordType"), "action creates record type"),
}

_TAB_RULES: Mapping[tuple[str, str], Rule] = {
    ("CustomTab", "customObject"): Rule(_record_custom_object, "tab shows object"),
    ("CustomTab", "flexiPage"): Rule(_named("FlexiPage"), "tab shows Lightning page"),
    ("CustomTab", "page"): Rule(_named("ApexPage"), "tab shows Visualforce page"),
    ("CustomTab", "lwcComponent"): Rule(
        _named("LightningComponentBundle"), "tab shows Lightning web component"
    ),
    ("CustomTab", "auraComponent"): Rule(
        _named("AuraDefinitionBundle"), "tab shows Aura component"
    ),
}

_APPLICATION_RULES: Mapping[tuple[str, str], Rule] = {
    ("CustomApplication", "tabs"): Rule(_named("CustomTab"), "app includes tab"),
    ("CustomApplication", "defaultLandingTab"): Rule(_named("CustomTab"), "app opens on tab"),
    ("CustomApplication", "utilityBar"): Rule(_named("FlexiPage"), "app uses utility bar"),
    ("actionOverrides", "content"): Rule(_override, "app overrides an action with"),
    ("actionOverrides", "pageOrSobjectType"): Rule(_object, "app overrides an action of"),
    ("profileActionOverrides", "content"): Rule(_override, "app overrides an action with"),
    ("profileActionOverrides", "pageOrSobjectType"): Rule(_object, "app overrides an action of"),
    ("profileActionOverrides", "recordType"): Rule(
        _named("RecordType"), "app overrides an action for record type"
    ),
    ("brand", "logo"): Rule(_named("ContentAsset"), "app shows logo", candidate=True),
}

_WORKFLOW_RULES: Mapping[tuple[str, str], Rule] = {
    ("fieldUpdates", "field"): Rule(_own_field, "field update sets"),
    ("fieldUpdates", "formula"): Rule(_formula, "field update formula uses"),
    ("rules", "formula"): Rule(_formula, "rule formula uses"),
    ("criteriaItems", "field"): Rule(_column, "rule criteria use"),
    ("alerts", "template"): Rule(_named("EmailTemplate"), "email alert sends template"),
    ("outboundMessages", "fields"): Rule(_own_field, "outbound message sends"),
    ("flowActions", "flow"): Rule(_named("Flow"), "flow action launches"),
}

_SHARING_RULES: Mapping[tuple[str, str], Rule] = {
    ("criteriaItems", "field"): Rule(_column, "sharing criteria use"),
    ("sharedTo", "group"): Rule(_named("Group"), "shares records with group"),
    ("sharedTo", "role"): Rule(_named("Role"), "shares records with role"),
    ("sharedTo", "roleAndSubordinates"): Rule(_named("Role"), "shares records with role"),
}

_PATH_RULES: Mapping[tuple[str, str], Rule] = {
    ("PathAssistant", "entityName"): Rule(_object, "path is for object"),
    ("PathAssistant", "fieldName"): Rule(_own_field, "path follows picklist"),
    ("PathAssistant", "recordTypeName"): Rule(_record_type, "path is for record type"),
    ("pathAssistantSteps", "fieldNames"): Rule(_own_field, "path step shows field"),
}

_REPORT_RULES: Mapping[tuple[str, str], Rule] = {
    ("Report", "reportType"): Rule(_report_type, "report is of type"),
    ("columns", "field"): Rule(_report_column, "report shows column"),
    ("groupingsDown", "field"): Rule(_report_column, "report groups by"),
    ("groupingsAcross", "field"): Rule(_report_column, "report groups by"),
    ("criteriaItems", "column"): Rule(_report_column, "report filters on"),
    ("timeFrameFilter", "dateColumn"): Rule(_report_column, "report time frame uses"),
    ("Report", "sortColumn"): Rule(_report_column, "report sorts by"),
    ("aggregates", "calculatedFormula"): Rule(_report_column, "report summary formula uses"),
}

# The table: metadata type -> (parent element, element) -> rule.
RULES: Mapping[str, Mapping[tuple[str, str], Rule]] = {
    "PermissionSet": _ACCESS_RULES,
    "Profile": _ACCESS_RULES,
    "PermissionSetGroup": {
        ("PermissionSetGroup", "permissionSets"): Rule(
            _named("PermissionSet"), "group includes permission set"
        ),
        ("PermissionSetGroup", "mutingPermissionSets"): Rule(
            _named("MutingPermissionSet"), "group mutes with"
        ),
    },
    "CustomObject": _OBJECT_RULES,
    "CustomField": _FIELD_RULES,
    "ValidationRule": {
        ("ValidationRule", "errorConditionFormula"): Rule(_formula, "validation rule uses"),
        ("ValidationRule", "errorDisplayField"): Rule(_own_field, "validation error shows at"),
    },
    "RecordType": {
        ("RecordType", "businessProcess"): Rule(
            _object_child("BusinessProcess"), "record type uses business process"
        ),
        ("picklistValues", "picklist"): Rule(_own_field, "record type restricts picklist"),
        ("RecordType", "compactLayoutAssignment"): Rule(
            _object_child("CompactLayout"), "record type assigns compact layout"
        ),
    },
    "CompactLayout": {("CompactLayout", "fields"): Rule(_own_field, "compact layout shows")},
    "ListView": {
        ("ListView", "columns"): Rule(_column, "list view shows"),
        ("filters", "field"): Rule(_column, "list view filters on"),
    },
    "FieldSet": {
        ("displayedFields", "field"): Rule(_own_field, "field set includes"),
        ("availableFields", "field"): Rule(_own_field, "field set offers"),
    },
    "WebLink": {
        ("WebLink", "page"): Rule(_named("ApexPage"), "link opens Visualforce page"),
        ("WebLink", "url"): Rule(_url, "link URL uses"),
    },
    "EmailTemplate": {
        ("EmailTemplate", "letterhead"): Rule(
            _named("Letterhead"), "email template uses letterhead"
        ),
        ("EmailTemplate", "relatedEntityType"): Rule(_object, "email template is for object"),
        ("EmailTemplate", "subject"): Rule(_merge, "email subject uses"),
        ("EmailTemplate", "textOnly"): Rule(_merge, "email text uses"),
    },
    "Report": _REPORT_RULES,
    "Dashboard": {
        ("components", "report"): Rule(_named("Report"), "dashboard shows report"),
        ("dashboardComponent", "report"): Rule(_named("Report"), "dashboard shows report"),
    },
    "NavigationMenu": {
        ("navigationMenuItem", "target"): Rule(
            _sibling_says("type", frozenset({"salesforceobject"}), _object),
            "navigation menu shows object",
        ),
    },
    "Prompt": {
        ("promptVersions", "targetPageKey1"): Rule(
            _sibling_says(
                "targetPageType",
                frozenset({"standard__recordpage", "standard__objectpage"}),
                _object,
            ),
            "prompt shows on pages of object",
        ),
    },
    "ReportType": {
        ("ReportType", "baseObject"): Rule(_object, "report type is based on object"),
        ("columns", "field"): Rule(_report_type_column, "report type offers field"),
    },
    "Layout": _LAYOUT_RULES,
    "FlexiPage": _FLEXIPAGE_RULES,
    "QuickAction": _QUICK_ACTION_RULES,
    "CustomTab": _TAB_RULES,
    "CustomApplication": _APPLICATION_RULES,
    "Workflow": _WORKFLOW_RULES,
    "SharingRules": _SHARING_RULES,
    "CustomMetadata": {("values", "field"): Rule(_own_field, "metadata record sets")},
    "PathAssistant": _PATH_RULES,
    "LightningComponentBundle": {
        ("objects", "object"): Rule(_object, "component is available on object"),
    },
}


# Layouts of special pages, named after the page rather than the object they show.
_LAYOUT_OBJECTS = {"CaseClose": "Case", "CaseInteraction": "Case", "UserAlt": "User"}


def object_of(key: ComponentKey, root: etree._Element) -> str | None:
    """The object that a component's relative field names are relative to."""
    parent = parent_object(key)
    if parent is not None:
        return parent.name
    match key.type:
        case "CustomObject" | "Workflow" | "SharingRules" | "CustomTab":
            return key.name
        case "Layout":
            obj = key.name.split("-", 1)[0]
            return _LAYOUT_OBJECTS.get(obj, obj)
        case "CustomMetadata":
            return key.name.split(".", 1)[0] + "__mdt"
        case "QuickAction":
            target = _xml.child_text(root, "targetObject")
            return target or (key.name.split(".", 1)[0] if "." in key.name else None)
        case "FlexiPage":
            return _xml.child_text(root, "sobjectType")
        case "PathAssistant":
            return _xml.child_text(root, "entityName")
    return None


def extract_table(
    refs: References, key: ComponentKey, path: str, root: etree._Element, type_: str
) -> None:
    """Apply the rules of ``type_`` to every element of one parsed file."""
    rules = RULES.get(type_)
    if not rules:
        return
    obj = object_of(key, root)
    for parent, leaf, element in _xml.leaves(root, root_name=type_):
        rule = rules.get((parent, leaf))
        if rule is None:
            continue
        text = (element.text or "").strip()
        line = _xml.line_of(element) or 1
        multiline = _MULTILINE.get(rule.kind)
        if multiline is not None:
            for target, offset in multiline(element.text or "", obj):
                refs.add(target, path, line + offset, f"{rule.reason} {target.name}")
            continue
        targets = rule.kind(text, element, obj)
        # Name what the element's text names; when it names nothing (a flag such as
        # <customObject>true), name the targets instead.
        named = all(t.name.rpartition(".")[2].lower() in text.lower() for t in targets)
        detail = text if named else ", ".join(t.name for t in targets)
        refs.add_all(targets, path, line, f"{rule.reason} {detail}", candidate=rule.candidate)


# Types whose component is named after the object it belongs to (``Workflow:Job__c``,
# ``Layout:Job__c-Job Layout``).
NAMED_AFTER_OBJECT = frozenset({"Workflow", "SharingRules", "Layout"})


def extract_object_parent(refs: References, key: ComponentKey, path: str) -> None:
    """An object child (or an object's workflow or sharing rules) needs its custom object;
    one of a standard object needs nothing."""
    owner = key.name.split("-", 1)[0] if key.type == "Layout" else key.name
    parent = object_key(owner) if key.type in NAMED_AFTER_OBJECT else parent_object(key)
    if parent is not None and is_custom_object_name(parent.name):
        refs.add(object_key(parent.name), path, None, f"{key.type} belongs to object")


def extract_translated(refs: References, key: ComponentKey, path: str) -> None:
    """A translation needs what it translates: ``Obj__c-de`` the custom object,
    ``Obj__c-de.Field__c`` the custom field (Salesforce refuses translations of neither)."""
    translated, dash, rest = key.name.partition("-")
    if not dash:
        return
    if key.type == "CustomObjectTranslation" and is_custom_object_name(translated):
        refs.add(object_key(translated), path, None, f"translates object {translated}")
    field = rest.partition(".")[2]
    if key.type == "CustomFieldTranslation" and field.lower().endswith("__c"):
        target = ComponentKey("CustomField", f"{translated}.{field}")
        refs.add(target, path, None, f"translates field {target.name}")


def extract_flow(refs: References, path: str, root: etree._Element) -> None:
    """Flows: objects and fields of record elements, Apex actions, subflows, screen components."""
    start_object = None
    for element in root.iter():
        name = _xml.local_name(element)
        obj = _xml.child_text(element, "object")
        if obj and name in {
            "start",
            "recordLookups",
            "recordCreates",
            "recordUpdates",
            "recordDeletes",
        }:
            if name == "start":
                start_object = obj
            refs.add(object_key(obj), path, _xml.line_of(element), f"flow {name} uses object")
            _flow_fields(refs, path, element, obj)
    for parent, leaf, element in _xml.leaves(root):
        text = (element.text or "").strip()
        line = _xml.line_of(element)
        holder = element.getparent()
        sibling = _xml.child_text(holder, "actionType") if holder is not None else None
        if (parent, leaf, sibling) == ("actionCalls", "actionName", "apex"):
            refs.add(ComponentKey("ApexClass", text), path, line, f"flow calls Apex action {text}")
        elif (parent, leaf) == ("subflows", "flowName"):
            refs.add(ComponentKey("Flow", text), path, line, f"flow calls subflow {text}")
        elif leaf == "extensionName":
            refs.add_all(component_refs(text), path, line, f"flow screen shows {text}")
        elif leaf in {"objectType", "apexClass"} and parent == "variables":
            target = object_key(text) if leaf == "objectType" else ComponentKey("ApexClass", text)
            refs.add(target, path, line, f"flow variable has type {text}")
        else:
            for target, offset in formula_names(text, start_object, globals_only=True):
                refs.add(target, path, (line or 0) + offset or None, "flow uses")


def _flow_fields(refs: References, path: str, element: etree._Element, obj: str) -> None:
    for parent, leaf, item in _xml.leaves(element):
        if leaf in {"field", "queriedFields"} or (parent, leaf) == ("sortField", "field"):
            text = (item.text or "").strip()
            refs.add_all(
                field_path_keys(text, obj, qualified=False),
                path,
                _xml.line_of(item),
                f"flow reads or writes field {text}",
            )
