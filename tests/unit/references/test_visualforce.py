"""Visualforce extractor: controllers, extensions, components, included pages, globals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.unit.references._helpers import certain, from_corpus, inline, key, targets


def test_volunteers_personal_site_job_listing_page(corpus: Callable[[str], Path]) -> None:
    root = corpus("Volunteers-for-Salesforce")
    page = from_corpus(
        root, "ApexPage", "PersonalSiteJobListing", "src/pages/PersonalSiteJobListing.page"
    )
    assert targets(page) == {
        key("ApexClass:VOL_CTRL_PersonalSiteJobListing"): (31, False),
        key("CustomLabel:labelPersonalSiteJobListingTitle"): (34, False),
        key("ApexPage:VolunteersJobListingFS"): (35, False),
    }


def test_page_attributes_components_and_merge_fields() -> None:
    source = """<apex:page standardController="Job__c" extensions="JobExt, ShiftExt">
<!-- <c:Retired/> -->
<apex:stylesheet value="{!URLFOR($Resource.Styles, 'main.css')}"/>
<c:JobHeader job="{!Job__c}"/>
<apex:outputField value="{!Job__c.Location__c}"/> {!Description__c}
<a href="{!$Page.JobList}">{!$ObjectType.Shift__c.fields.Start__c.label}</a>
</apex:page>"""
    page = inline("ApexPage", "JobView", {"pages/JobView.page": source})
    assert certain(page) == {
        key("CustomObject:Job__c"),
        key("ApexClass:JobExt"),
        key("ApexClass:ShiftExt"),
        key("StaticResource:Styles"),
        key("ApexComponent:JobHeader"),
        key("CustomField:Job__c.Location__c"),
        key("ApexPage:JobList"),
        key("CustomObject:Shift__c"),
        key("CustomField:Shift__c.Start__c"),
    }


def test_component_attribute_types_name_classes_and_objects() -> None:
    source = """<apex:component controller="ListCtrl">
<apex:attribute name="owner" type="PageBase" assignTo="{!owner}" required="true"
    description="the page"/>
<apex:attribute name="job" type="Job__c" description="the job"/>
<apex:attribute name="title" type="String" description="a heading"/>
</apex:component>"""
    found = targets(inline("ApexComponent", "JobList", {"components/JobList.component": source}))
    assert found == {
        key("ApexClass:ListCtrl"): (1, False),
        # A class of the project, or a system type: a candidate, as Apex names are.
        key("ApexClass:PageBase"): (2, True),
        key("CustomObject:Job__c"): (4, False),
        key("ApexClass:String"): (5, True),
    }


def test_remote_object_models_name_their_object_and_fields() -> None:
    source = """<apex:page>
<apex:remoteObjects>
    <apex:remoteObjectModel
        name="Bike__c"
        fields="Id, Name, Frame__c"/>
    <apex:remoteObjectModel name="Contact" fields="Id,Picture__c" jsShorthand="Ct"/>
</apex:remoteObjects>
</apex:page>"""
    found = targets(inline("ApexPage", "Bikes", {"pages/Bikes.page": source}))
    assert found == {
        key("CustomObject:Bike__c"): (3, False),
        key("CustomField:Bike__c.Frame__c"): (3, False),
        key("CustomField:Contact.Picture__c"): (6, False),
    }
