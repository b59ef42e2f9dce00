"""Where-used and deletion checks read the where-used index of an analysed version, not the
whole org (docs/model.md, "Change sets"; ADR 0014): the answers must stay those of the whole
graph, version by version, whatever was analysed before.
"""

from __future__ import annotations

import pytest

from changeway.bootstrap import App
from changeway.domain.components import Component
from changeway.domain.errors import NotFound
from changeway.services import dependencies
from tests.helpers import user as actor_named
from tests.helpers_metadata import Family, apex, change_set, deploy, family, key, put
from tests.integration.test_dependency_precision import (
    aura_bundle,
    custom_field,
    custom_object,
    failures,
    xml_component,
)


@pytest.fixture
def fam(app: App) -> Family:
    return family(app)


def used_by(app: App, org: str, component: str) -> list[str]:
    refs = dependencies.where_used(app, actor=actor_named(app), org=org, key=key(component))
    return sorted(str(r.source) for r in refs)


def lwc(name: str) -> Component:
    meta = '<?xml version="1.0"?><LightningComponentBundle><isExposed>false</isExposed>'
    folder = f"force-app/main/default/lwc/{name}"
    return Component(
        "LightningComponentBundle",
        name,
        {
            f"{folder}/{name}.js": b"import { LightningElement } from 'lwc';\n",
            f"{folder}/{name}.js-meta.xml": (meta + "</LightningComponentBundle>\n").encode(),
        },
    )


def test_where_used_follows_each_version_of_its_users(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("Tax"), apex("Cart", "class Cart { Tax t; }"), apex("Till")])
    first = f"Dev@{put(app, 'Dev', [apex('Shop', 'class Shop { TAX t; }')]).number}"
    assert used_by(app, "Dev", "ApexClass:Tax") == ["ApexClass:Cart", "ApexClass:Shop"]

    # Cart stops using Tax, Till starts: the index must not answer with Cart's old content.
    put(app, "Dev", [apex("Cart", "class Cart { }"), apex("Till", "class Till { Tax t; }")])
    assert used_by(app, "Dev", "ApexClass:Tax") == ["ApexClass:Shop", "ApexClass:Till"]
    assert used_by(app, first, "ApexClass:Tax") == ["ApexClass:Cart", "ApexClass:Shop"]
    # The same content in another org answers there too (a sandbox copy shares the tree).
    assert used_by(app, "Dev", "ApexClass:Cart") == []


def test_where_used_of_a_label_and_of_its_labels_file(app: App, fam: Family) -> None:
    labels = xml_component(
        "CustomLabels",
        "CustomLabels",
        "labels/CustomLabels.labels-meta.xml",
        "<labels><fullName>Hello</fullName><value>Hi</value></labels>",
    )
    greeter = apex("Greeter", "class Greeter { String s = Label.hello; }")
    put(app, "Dev", [labels, greeter])
    assert used_by(app, "Dev", "CustomLabel:Hello") == ["ApexClass:Greeter"]
    assert used_by(app, "Dev", "CustomLabels:CustomLabels") == ["ApexClass:Greeter"]
    with pytest.raises(NotFound, match="no component CustomLabel:Gone"):
        used_by(app, "Dev", "CustomLabel:Gone")


def test_deleting_an_object_names_the_users_of_its_fields(app: App, fam: Family) -> None:
    price = custom_field("Item__c", "Price__c")
    seller = apex("Seller", "class Seller { Decimal p(Item__c i) { return i.Price__c; } }")
    put(app, "Test", [custom_object("Item__c"), price, seller])
    change_set(app, "Dev", "Drop", target="Test", deletions=["CustomObject:Item__c"])

    problems = failures(deploy(app, "Test", "Drop", check_only=True))

    # The field goes with its object: both are named, each with its user.
    assert sorted(problems) == ["CustomField:Item__c.Price__c", "CustomObject:Item__c"]
    assert all("ApexClass:Seller" in problem for problem in problems.values())


def test_deleting_one_of_two_bundles_a_name_may_mean_is_allowed(app: App, fam: Family) -> None:
    """``c:card`` names an Aura bundle or a web component; the Aura one stays, so deleting
    the web component leaves nothing dangling, although only the user is read."""
    page = xml_component(
        "FlexiPage",
        "Home",
        "flexipages/Home.flexipage-meta.xml",
        "<flexiPageRegions><itemInstances><componentInstance><componentName>c:card"
        "</componentName></componentInstance></itemInstances></flexiPageRegions>",
    )
    put(app, "Test", [aura_bundle("card"), lwc("card"), page])
    change_set(app, "Dev", "Drop", target="Test", deletions=["LightningComponentBundle:card"])
    assert failures(deploy(app, "Test", "Drop", check_only=True)) == {}

    change_set(app, "Dev", "DropAura", target="Test", deletions=["AuraDefinitionBundle:card"])
    problems = failures(deploy(app, "Test", "DropAura", check_only=True))
    assert list(problems) == ["AuraDefinitionBundle:card"]
    assert "FlexiPage:Home" in problems["AuraDefinitionBundle:card"]
