"""LWC and Aura extractors: imports, child components, controllers, labels, with lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from changeway.adapters.references import extract_references
from tests.unit.references._helpers import DEFAULT, certain, from_corpus, inline, key, targets


def test_lwc_recipes_apex_imperative_method(corpus: Callable[[str], Path]) -> None:
    root = corpus("lwc-recipes")
    folder = f"{DEFAULT}/lwc/apexImperativeMethod"
    bundle = from_corpus(
        root,
        "LightningComponentBundle",
        "apexImperativeMethod",
        f"{folder}/apexImperativeMethod.js",
        f"{folder}/apexImperativeMethod.html",
        f"{folder}/apexImperativeMethod.js-meta.xml",
    )
    assert targets(bundle) == {
        key("ApexClass:ContactController"): (2, False),
        key("LightningComponentBundle:errorPanel"): (16, False),
        key("LightningComponentBundle:viewSource"): (20, False),
    }


def test_lwc_imports_of_every_kind_and_commented_imports_ignored() -> None:
    js = """import { LightningElement } from 'lwc';
import NAME from '@salesforce/schema/Property__c.Name';
import PRICE from '@salesforce/schema/Property__c.Price__c';
import BROKER_EMAIL from '@salesforce/schema/Property__c.Broker__r.Email__c';
import greeting from '@salesforce/label/c.Greeting';
import CHANNEL from '@salesforce/messageChannel/Selected__c';
import LOGO from '@salesforce/resourceUrl/logo';
import canEdit from '@salesforce/customPermission/Edit_Homes';
import { debounce } from 'c/utils';
// import gone from '@salesforce/apex/Gone.method';
/* import alsoGone from 'c/ghost'; */
const lazy = () => import('c/lazyPanel');
"""
    bundle = inline("LightningComponentBundle", "card", {"lwc/card/card.js": js})
    found = targets(bundle)
    assert found == {
        key("CustomObject:Property__c"): (2, False),
        key("CustomField:Property__c.Price__c"): (3, False),
        key("CustomField:Property__c.Broker__c"): (4, True),
        key("CustomLabel:Greeting"): (5, False),
        key("LightningMessageChannel:Selected"): (6, False),
        key("StaticResource:logo"): (7, False),
        key("CustomPermission:Edit_Homes"): (8, False),
        key("LightningComponentBundle:utils"): (9, False),
        key("LightningComponentBundle:lazyPanel"): (12, False),
    }


def test_lwc_template_children_are_camel_cased_and_html_comments_ignored() -> None:
    html = "<template>\n<!-- <c-old-thing></c-old-thing> -->\n<c-my-list-2 x={y}></c-my-list-2>\n"
    bundle = inline("LightningComponentBundle", "page", {"lwc/page/page.html": html})
    assert targets(bundle) == {key("LightningComponentBundle:myList2"): (3, False)}


def test_eda_aura_settings_component(corpus: Callable[[str], Path]) -> None:
    root = corpus("EDA")
    folder = f"{DEFAULT}/aura/STG_CMP_Courses"
    bundle = from_corpus(
        root,
        "AuraDefinitionBundle",
        "STG_CMP_Courses",
        f"{folder}/STG_CMP_Courses.cmp",
        f"{folder}/STG_CMP_CoursesController.js",
    )
    found = targets(bundle)
    assert found[key("AuraDefinitionBundle:STG_CMP_Base")] == (1, False)
    assert found[key("ApexClass:STG_Courses")] == (1, False)
    assert found[key("CustomLabel:stgBtnRunCopy")] == (29, False)


def test_aura_markup_attributes_and_child_components() -> None:
    markup = """<aura:component controller="ns.HomeController" implements="c:Base, c:Other">
    <aura:attribute name="homes" type="Home__c[]"/>
    <aura:registerEvent name="pick" type="c:HomePicked"/>
    <lightning:messageChannel type="Selected__c" aura:id="channel"/>
    <c:homeTile home="{!v.home}"/>
    {!$Label.c.Title} <img src="{!$Resource.Logo + '/a.png'}"/>
</aura:component>"""
    bundle = inline("AuraDefinitionBundle", "homes", {"aura/homes/homes.cmp": markup})
    assert certain(bundle) == {
        key("ApexClass:ns__HomeController"),  # a managed package's class, or the org's own
        key("AuraDefinitionBundle:Base"),
        key("AuraDefinitionBundle:Other"),
        key("CustomObject:Home__c"),
        key("AuraDefinitionBundle:HomePicked"),
        key("LightningMessageChannel:Selected"),
        key("CustomLabel:Title"),
        key("StaticResource:Logo"),
        key("AuraDefinitionBundle:homeTile"),
    }
    # <c:homeTile> must exist, as an Aura bundle or a Lightning web component.
    (tile,) = [r for r in extract_references(bundle) if r.target.name == "homeTile"]
    assert tile.alternatives == (key("LightningComponentBundle:homeTile"),)
    assert (tile.line, tile.candidate) == (5, False)


def test_imports_and_expressions_from_a_managed_package_carry_its_namespace() -> None:
    js = """import title from '@salesforce/label/npsp.Gift_Title';
import own from '@salesforce/label/c.Own_Title';
import getGifts from '@salesforce/apex/npsp.GiftService.getGifts';
import getOwn from '@salesforce/apex/GiftController.getOwn';
"""
    lwc = inline("LightningComponentBundle", "gifts", {"lwc/gifts/gifts.js": js})
    assert certain(lwc) == {
        key("CustomLabel:npsp__Gift_Title"),
        key("CustomLabel:Own_Title"),
        key("ApexClass:npsp__GiftService"),
        key("ApexClass:GiftController"),
    }
    markup = "<aura:component>{!$Label.npsp.Gift_Title} {!$Label.c.Own_Title}</aura:component>"
    aura = inline("AuraDefinitionBundle", "giftsAura", {"aura/giftsAura/giftsAura.cmp": markup})
    assert certain(aura) == {key("CustomLabel:npsp__Gift_Title"), key("CustomLabel:Own_Title")}


def test_lwc_configuration_names_the_apex_class_that_fills_a_property() -> None:
    meta = """<?xml version="1.0" encoding="UTF-8"?>
<LightningComponentBundle xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>61.0</apiVersion>
    <isExposed>true</isExposed>
    <targetConfigs>
        <targetConfig targets="lightningCommunity__Default">
            <!-- <property name="old" datasource="apex://GoneClass" type="String"/> -->
            <property name="position" type="String"
                datasource="apex://PositionPicklist"/>
            <property name="size" type="String" datasource="Small,Large"/>
        </targetConfig>
        <targetConfig targets="lightning__RecordPage">
            <objects>
                <object>Bike__c</object>
                <object>Account</object>
            </objects>
        </targetConfig>
    </targetConfigs>
</LightningComponentBundle>
"""
    bundle = inline("LightningComponentBundle", "hero", {"lwc/hero/hero.js-meta.xml": meta})
    assert targets(bundle) == {
        key("ApexClass:PositionPicklist"): (9, False),
        key("CustomObject:Bike__c"): (14, False),
    }


def test_aura_design_datasource_names_its_apex_class() -> None:
    design = '<design:component>\n<design:attribute name="kind" datasource="apex://KindList"/>\n'
    bundle = inline("AuraDefinitionBundle", "tile", {"aura/tile/tile.design": design})
    assert targets(bundle) == {key("ApexClass:KindList"): (2, False)}


def test_experience_routes_name_the_object_whose_pages_they_show() -> None:
    route = """{
  "activeViewId" : "2b3",
  "objectApiName" : "Bike__c",
  "pageAttributes" : { },
  "routeType" : "detail-a01"
}
"""
    standard = route.replace("Bike__c", "Account")
    site = inline(
        "ExperienceBundle",
        "Shop1",
        {"experiences/Shop1/routes/bikeDetail.json": route, "routes/a.json": standard},
    )
    assert targets(site) == {key("CustomObject:Bike__c"): (3, False)}


def test_experience_views_name_the_custom_components_they_place() -> None:
    view = """{
  "appPageId" : "0c0",
  "components" : [ {
    "componentAttributes" : { "recordId" : "{!recordId}" },
    "componentName" : "c:productCard",
    "id" : "1"
  }, {
    "componentName" : "forceCommunity:richTextInline",
    "id" : "2"
  }, {
    "componentName": "c:orderList"
  } ]
}
"""
    site = inline(
        "ExperienceBundle", "Shop1", {"experiences/Shop1/views/productExplorer.json": view}
    )
    found = {
        (str(r.target), tuple(map(str, r.alternatives)), r.line) for r in extract_references(site)
    }
    assert found == {
        ("AuraDefinitionBundle:productCard", ("LightningComponentBundle:productCard",), 5),
        ("AuraDefinitionBundle:orderList", ("LightningComponentBundle:orderList",), 11),
    }
