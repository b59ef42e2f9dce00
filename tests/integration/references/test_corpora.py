"""Whole projects: no false alarms when everything is deployed, exact breakage when not.

For each corpus the complete project is analysed and deployed into an empty org: no
reference may be reported missing. Then components are held back, and ``missing`` must name
exactly the components that use them: found independently by a word search for classes, and
hand-checked for objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from changeway.adapters.references import build_graph
from changeway.domain.components import Component, ComponentKey
from changeway.domain.dependencies import OBJECT_CHILD_TYPES, DependencyGraph
from tests.integration.references._load import load_project

SOURCE_CORPORA = (
    "dreamhouse-lwc",
    "lwc-recipes",
    "apex-recipes",
    "ebikes-lwc",
    "EDA",
    "Volunteers-for-Salesforce",
)


@cache
def _analysed(root: Path) -> tuple[list[Component], DependencyGraph]:
    components = load_project(root)
    return components, build_graph(components)


@pytest.mark.parametrize("name", SOURCE_CORPORA)
def test_everything_deployed_into_an_empty_org_misses_nothing(
    corpus: Callable[[str], Path], name: str
) -> None:
    components, graph = _analysed(corpus(name))
    assert len(graph) == len(components) > 50
    assert graph.missing([c.key for c in components], available=set()) == []


# (corpus, class held back): its users are the components whose files mention its name.
CLASS_HOLD_BACKS = [
    ("dreamhouse-lwc", "PropertyController"),
    ("lwc-recipes", "ContactController"),
    ("apex-recipes", "CanTheUser"),
    ("EDA", "ReleaseGateController"),
    ("Volunteers-for-Salesforce", "VOL_SharedCode"),
]


@pytest.mark.parametrize(("name", "class_name"), CLASS_HOLD_BACKS)
def test_holding_a_class_back_reports_exactly_the_components_that_mention_it(
    corpus: Callable[[str], Path], name: str, class_name: str
) -> None:
    components, graph = _analysed(corpus(name))
    held_back = ComponentKey("ApexClass", class_name)
    deployed = [c for c in components if c.key != held_back]

    missing = graph.missing([c.key for c in deployed], available=set())

    mention = re.compile(rf"\b{class_name}\b", re.IGNORECASE)
    mentioning = {
        c.key
        for c in deployed
        if c.type != "StaticResource"  # documents and data, not code
        and any(_mentions(mention, data) for data in c.files.values())
    }
    assert len(mentioning) >= 2
    assert {r.source for r in missing} == mentioning
    assert {r.target for r in missing} == {held_back}
    assert all(r.line and r.path in _component(components, r.source).files for r in missing)


# Hand-checked with grep: files naming the object or its fields. Not listed: files naming
# only a same-named lookup field of another object (Property__c.Broker__c,
# Course_Offering__c.Facility__c), sample data, and a trigger handler named in a string.
OBJECT_HOLD_BACKS = [
    (
        "dreamhouse-lwc",
        "Broker__c",
        {
            "ApexClass:SampleDataController",
            "ApexClass:TestSampleDataController",
            "CustomApplication:Dreamhouse",
            "CustomField:Property__c.Broker__c",
            "FlexiPage:Broker_Record_Page",
            "Layout:Broker__c-Broker Layout",
            "LightningComponentBundle:brokerCard",
            "PermissionSet:dreamhouse",
            "CustomTab:Broker__c",
        },
    ),
    (
        "EDA",
        "Facility__c",
        {
            "ApexClass:ACCT_CannotDelete_TEST",
            "ApexClass:FACI_CannotDelete_TDTM",
            "ApexClass:FACI_CannotDelete_TEST",
            "ApexClass:ObjectUsageTelemetryModel",
            "ApexClass:TDTM_TriggerScaffolds_TEST",
            "ApexClass:UTIL_OrgTelemetry_TEST",
            "ApexClass:UTIL_UnitTestData_TEST",
            "ApexTrigger:TDTM_Facility",
            "CustomField:Course_Offering_Schedule__c.Facility__c",
            "CustomField:Course_Offering__c.Facility__c",
            "Layout:Facility__c-HEDA Facility Layout",
            "CustomTab:Facility__c",
        },
    ),
]


@pytest.mark.parametrize(("name", "object_name", "users"), OBJECT_HOLD_BACKS)
def test_holding_an_object_and_its_children_back_reports_exactly_their_users(
    corpus: Callable[[str], Path], name: str, object_name: str, users: set[str]
) -> None:
    components, graph = _analysed(corpus(name))
    held_back = {c.key for c in components if _belongs_to(c.key, object_name)}
    deployed = [c.key for c in components if c.key not in held_back]

    missing = graph.missing(deployed, available=set())

    assert {str(r.source) for r in missing} == users
    assert {r.target for r in missing} <= held_back


def _belongs_to(key: ComponentKey, object_name: str) -> bool:
    """The object itself or one of its children (``Obj.X``)."""
    if key.type == "CustomObject":
        return key.name == object_name
    return key.type in OBJECT_CHILD_TYPES and key.name.split(".")[0] == object_name


def _mentions(pattern: re.Pattern[str], data: bytes) -> bool:
    """A mention outside comments (Apex, JavaScript and markup comments are not uses)."""
    text = data.decode("utf-8", errors="replace")
    text = re.sub(r"/\*.*?\*/|//[^\n]*|<!--.*?-->", "", text, flags=re.DOTALL)
    return pattern.search(text) is not None


def _component(components: list[Component], key: ComponentKey) -> Component:
    return next(c for c in components if c.key == key)
