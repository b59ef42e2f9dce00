"""Declarative XML extractors: fields, formulas, rules, pages, apps, flows, access, containers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from changeway.adapters.references import extract_references, provided_keys
from tests.unit.references._helpers import DEFAULT, certain, from_corpus, inline, key, targets

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def xml(type_: str, name: str, root: str, body: str) -> dict:
    component = inline(type_, name, {f"{name}.xml": f"<{root} {NS}>\n{body}\n</{root}>"})
    return targets(component)


def test_eda_lookup_field_needs_its_object_and_the_object_it_references(
    corpus: Callable[[str], Path],
) -> None:
    root = corpus("EDA")
    path = f"{DEFAULT}/objects/Course_Offering__c/fields/Course__c.field-meta.xml"
    field = from_corpus(root, "CustomField", "Course_Offering__c.Course__c", path)
    assert targets(field) == {
        key("CustomObject:Course__c"): (7, False),
        key("CustomObject:Course_Offering__c"): (None, False),
    }


def test_eda_lookup_on_a_standard_object_needs_nothing_for_that_object(
    corpus: Callable[[str], Path],
) -> None:
    root = corpus("EDA")
    path = f"{DEFAULT}/objects/Contact/fields/Current_Address__c.field-meta.xml"
    field = from_corpus(root, "CustomField", "Contact.Current_Address__c", path)
    assert targets(field) == {key("CustomObject:Address__c"): (9, False)}


def test_eda_validation_rule_formula_and_error_field(corpus: Callable[[str], Path]) -> None:
    root = corpus("EDA")
    path = (
        f"{DEFAULT}/objects/Relationship__c/validationRules/"
        "Contact_Do_Not_Change.validationRule-meta.xml"
    )
    rule = from_corpus(root, "ValidationRule", "Relationship__c.Contact_Do_Not_Change", path)
    assert targets(rule) == {
        key("CustomField:Relationship__c.Contact__c"): (6, False),
        key("CustomObject:Relationship__c"): (None, False),
    }


def test_dreamhouse_permission_set_grants(corpus: Callable[[str], Path]) -> None:
    root = corpus("dreamhouse-lwc")
    path = f"{DEFAULT}/permissionsets/dreamhouse.permissionset-meta.xml"
    found = targets(from_corpus(root, "PermissionSet", "dreamhouse", path))
    assert found[key("ApexClass:PagedResult")] == (8, False)
    assert found[key("CustomField:Broker__c.Broker_Id__c")] == (21, False)
    assert found[key("CustomTab:Property_Explorer")] == (209, False)


def test_dreamhouse_flow_record_fields_apex_action_and_screen_component(
    corpus: Callable[[str], Path],
) -> None:
    root = corpus("dreamhouse-lwc")
    path = f"{DEFAULT}/flows/Create_property.flow-meta.xml"
    found = targets(from_corpus(root, "Flow", "Create_property", path))
    assert found[key("CustomObject:Property__c")] == (133, False)
    assert found[key("CustomField:Property__c.Address__c")] == (145, False)
    assert found[key("ApexClass:GeocodingService")] == (8, False)
    # c:navigateToRecord is an Aura bundle or an LWC (it is an LWC in dreamhouse).
    assert found[key("AuraDefinitionBundle:navigateToRecord")] == (448, False)


def test_formula_merge_fields_globals_and_relationships() -> None:
    formula = (
        'IF(Status__c = "Closed__c", $Label.Done, Parent__r.Rate__c)\n'
        "+ $Setup.Limits__c.Max__c + $CustomMetadata.Tier__mdt.Gold.Rate__c\n"
        "/* Ignored__c */ + $User.Region__c + $Permission.Approve"
    )
    found = xml(
        "CustomField",
        "Deal__c.Score__c",
        "CustomField",
        f"<fullName>Score__c</fullName><formula>{formula}</formula>",
    )
    assert found == {
        key("CustomObject:Deal__c"): (None, False),
        key("CustomField:Deal__c.Status__c"): (2, False),
        key("CustomLabel:Done"): (2, False),
        key("CustomField:Deal__c.Parent__c"): (2, True),
        key("CustomObject:Limits__c"): (3, False),
        key("CustomField:Limits__c.Max__c"): (3, False),
        key("CustomObject:Tier__mdt"): (3, False),
        key("CustomMetadata:Tier.Gold"): (3, False),
        key("CustomField:Tier__mdt.Rate__c"): (3, False),
        key("CustomField:User.Region__c"): (4, False),
        key("CustomPermission:Approve"): (4, False),
    }


def test_layout_flexipage_tab_and_app_references() -> None:
    layout = xml(
        "Layout",
        "Deal__c-Deal Layout",
        "Layout",
        "<layoutSections><layoutColumns><layoutItems><field>Amount__c</field></layoutItems>"
        "<layoutItems><page>DealMap</page></layoutItems></layoutColumns></layoutSections>"
        "<relatedLists><relatedList>Visit__c.Deal__c</relatedList></relatedLists>",
    )
    assert set(layout) == {
        key("CustomObject:Deal__c"),  # a layout belongs to its object
        key("CustomField:Deal__c.Amount__c"),
        key("ApexPage:DealMap"),
        key("CustomField:Visit__c.Deal__c"),
    }
    page = xml(
        "FlexiPage",
        "Deal_Page",
        "FlexiPage",
        "<sobjectType>Deal__c</sobjectType><flexiPageRegions><itemInstances><fieldInstance>"
        "<fieldItem>Record.Stage__c</fieldItem></fieldInstance></itemInstances>"
        "</flexiPageRegions><flexiPageRegions><itemInstances><componentInstance>"
        "<componentName>dealCard</componentName></componentInstance></itemInstances>"
        "</flexiPageRegions>",
    )
    assert page[key("CustomObject:Deal__c")] == (2, False)
    assert page[key("CustomField:Deal__c.Stage__c")] == (2, False)
    # An unprefixed component name is the org's own: an Aura bundle or an LWC, which must exist.
    assert page[key("AuraDefinitionBundle:dealCard")] == (2, False)
    tab = xml("CustomTab", "Deal__c", "CustomTab", "<customObject>true</customObject>")
    assert set(tab) == {key("CustomObject:Deal__c")}
    app = xml(
        "CustomApplication",
        "Sales",
        "CustomApplication",
        "<tabs>standard-Account</tabs><tabs>Deal__c</tabs>"
        "<actionOverrides><content>Deal_Page</content><type>Flexipage</type>"
        "<pageOrSobjectType>Deal__c</pageOrSobjectType></actionOverrides>",
    )
    assert set(app) == {
        key("CustomTab:Deal__c"),
        key("FlexiPage:Deal_Page"),
        key("CustomObject:Deal__c"),
    }


def test_metadata_api_object_file_provides_and_references_its_children() -> None:
    body = (
        "<fields><fullName>Job__c</fullName><referenceTo>Job__c</referenceTo></fields>"
        "<fields><fullName>Hours__c</fullName><formula>Job__r.Hours__c * 2</formula></fields>"
        "<validationRules><fullName>Positive</fullName>"
        "<errorConditionFormula>Hours__c &lt; 0</errorConditionFormula></validationRules>"
    )
    shift = inline(
        "CustomObject",
        "Shift__c",
        {"objects/Shift__c.object": f"<CustomObject {NS}>{body}</CustomObject>"},
    )
    assert provided_keys(shift) == {
        key("CustomObject:Shift__c"),
        key("CustomField:Shift__c.Job__c"),
        key("CustomField:Shift__c.Hours__c"),
        key("ValidationRule:Shift__c.Positive"),
    }
    assert certain(shift) == {key("CustomObject:Job__c"), key("CustomField:Shift__c.Hours__c")}


def test_labels_file_provides_each_label() -> None:
    labels = inline(
        "CustomLabels",
        "CustomLabels",
        {
            "labels/CustomLabels.labels-meta.xml": f"<CustomLabels {NS}><labels>"
            "<fullName>Greeting</fullName><value>Hi</value></labels></CustomLabels>"
        },
    )
    assert provided_keys(labels) == {key("CustomLabels:CustomLabels"), key("CustomLabel:Greeting")}


def test_malformed_and_hostile_xml_yield_no_references_and_no_crash() -> None:
    broken = inline("CustomField", "Deal__c.X__c", {"X__c.field-meta.xml": "<CustomField><ref"})
    assert [r.target for r in extract_references(broken)] == [key("CustomObject:Deal__c")]
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "Boom__c"><!ENTITY b "&a;&a;&a;&a;">]>'
        f"<PermissionSet {NS}><objectPermissions><object>&b;</object></objectPermissions>"
        "</PermissionSet>"
    )
    permission_set = inline("PermissionSet", "Hostile", {"p.xml": bomb})
    assert not any("Boom" in r.target.name for r in extract_references(permission_set))


def test_path_assistant_names_its_object_picklist_step_fields_and_record_type() -> None:
    found = xml(
        "PathAssistant",
        "Project_Path",
        "PathAssistant",
        "<active>true</active>\n<entityName>Project__c</entityName>\n"
        "<fieldName>Phase__c</fieldName>\n<masterLabel>Project Path</masterLabel>\n"
        "<pathAssistantSteps><fieldNames>Budget__c</fieldNames><fieldNames>Name</fieldNames>"
        "<info>Check the budget</info><picklistValueName>Plan</picklistValueName>"
        "</pathAssistantSteps>\n<recordTypeName>Internal</recordTypeName>",
    )
    assert found == {
        key("CustomObject:Project__c"): (3, False),
        key("CustomField:Project__c.Phase__c"): (4, False),
        key("CustomField:Project__c.Budget__c"): (6, False),
        key("RecordType:Project__c.Internal"): (7, False),
    }
    master = xml(
        "PathAssistant",
        "Opportunity_Path",
        "PathAssistant",
        "<entityName>Opportunity</entityName><fieldName>StageName</fieldName>"
        "<recordTypeName>__MASTER__</recordTypeName>",
    )
    assert master == {}  # a standard object, its standard picklist and its default record type


def test_lightning_component_overrides_and_actions_may_be_aura_or_lwc() -> None:
    body = (
        "<actionOverrides><actionName>View</actionName><content>c:projectView</content>"
        "<formFactor>Large</formFactor><type>LightningComponent</type></actionOverrides>"
    )
    obj = inline(
        "CustomObject",
        "Project__c",
        {"Project__c.object-meta.xml": f"<CustomObject {NS}>{body}</CustomObject>"},
    )
    action = inline(
        "QuickAction",
        "Project__c.Plan",
        {
            "Project__c.Plan.quickAction-meta.xml": f"<QuickAction {NS}>"
            "<lightningComponent>c:planner</lightningComponent><type>LightningComponent</type>"
            "</QuickAction>"
        },
    )
    for component, name in ((obj, "projectView"), (action, "planner")):
        (ref,) = [r for r in extract_references(component) if name in r.target.name]
        assert ref.target == key(f"AuraDefinitionBundle:{name}")
        assert ref.alternatives == (key(f"LightningComponentBundle:{name}"),)
        assert not ref.candidate


def test_formula_labels_of_a_managed_package_carry_its_namespace() -> None:
    found = xml(
        "CustomField",
        "Deal__c.Note__c",
        "CustomField",
        "<formula>$Label.npsp.Gift_Title &amp; $Label.c.Own_Title &amp; $Label.Plain</formula>",
    )
    labels = {k.name for k in found if k.type == "CustomLabel"}
    assert labels == {"npsp__Gift_Title", "Own_Title", "Plain"}


def test_related_list_columns_are_fields_of_the_child_object() -> None:
    layout = xml(
        "Layout",
        "Broker__c-Broker Layout",
        "Layout",
        "<relatedLists><fields>NAME</fields><fields>Beds__c</fields>"
        "<fields>Owner__r.Email__c</fields><relatedList>Property__c.Broker__c</relatedList>"
        "</relatedLists><relatedLists><fields>Contact.Level__c</fields><fields>FULL_NAME"
        "</fields><relatedList>RelatedContactList</relatedList></relatedLists>",
    )
    assert set(layout) == {
        key("CustomObject:Broker__c"),  # the layout's own object
        key("CustomField:Property__c.Broker__c"),
        key("CustomField:Property__c.Beds__c"),
        key("CustomField:Property__c.Owner__c"),
        key("CustomField:Contact.Level__c"),
    }


def test_translations_need_the_custom_object_and_field_they_translate() -> None:
    obj = inline(
        "CustomObjectTranslation",
        "Job__c-de",
        {"objectTranslations/Job__c-de/Job__c-de.objectTranslation-meta.xml": "<x/>"},
    )
    field = inline(
        "CustomFieldTranslation",
        "Job__c-de.City__c",
        {"objectTranslations/Job__c-de/City__c.fieldTranslation-meta.xml": "<x/>"},
    )
    standard = inline(
        "CustomFieldTranslation",
        "Account-de.Name",
        {"objectTranslations/Account-de/Name.fieldTranslation-meta.xml": "<x/>"},
    )
    assert certain(obj) == {key("CustomObject:Job__c")}
    assert certain(field) == {key("CustomField:Job__c.City__c")}
    assert certain(standard) == set()
