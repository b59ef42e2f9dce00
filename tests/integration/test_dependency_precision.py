"""Dependency checks without false alarms, on small real-shaped projects (docs/model.md,
"Change sets" and "Validation and deployment").

Each case puts source-format files into Dev (reference family: Prod, Dev, Test; Dev→Test
allowed), builds a change set and asks what it needs (``changeset deps``) and whether it
validates in Test. Both must agree: they share the check.
"""

from __future__ import annotations

import pytest

from changeway.bootstrap import App
from changeway.domain.components import Component
from changeway.domain.deployments import Deployment, Outcome
from changeway.services import changesets, dependencies
from tests.helpers import user as actor_named
from tests.helpers_metadata import Family, add, apex, create, deploy, family, key, put, upload

SRC = "force-app/main/default"
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def xml_component(type_: str, name: str, path: str, body: str, root: str = "") -> Component:
    """A component of one XML file (``path`` under the default folder), root named after
    the type unless ``root`` says otherwise."""
    tag = root or type_
    text = f"{XML}<{tag} {NS}>\n{body}\n</{tag}>\n"
    return Component(type_, name, {f"{SRC}/{path}": text.encode()})


def custom_field(obj: str, name: str, type_: str = "Text") -> Component:
    body = f"    <fullName>{name}</fullName>\n    <label>{name}</label>\n    <type>{type_}</type>"
    path = f"objects/{obj}/fields/{name}.field-meta.xml"
    return xml_component("CustomField", f"{obj}.{name}", path, body)


def custom_object(name: str, body: str = "") -> Component:
    text = f"    <label>{name}</label>\n    <sharingModel>ReadWrite</sharingModel>{body}"
    return xml_component("CustomObject", name, f"objects/{name}/{name}.object-meta.xml", text)


def aura_bundle(name: str) -> Component:
    markup = f'<aura:component implements="lightning:actionOverride">{name}</aura:component>\n'
    meta = f"{XML}<AuraDefinitionBundle {NS}><apiVersion>62.0</apiVersion></AuraDefinitionBundle>\n"
    folder = f"{SRC}/aura/{name}"
    return Component(
        "AuraDefinitionBundle",
        name,
        {f"{folder}/{name}.cmp": markup.encode(), f"{folder}/{name}.cmp-meta.xml": meta.encode()},
    )


LABELS = xml_component(
    "CustomLabels",
    "CustomLabels",
    "labels/CustomLabels.labels-meta.xml",
    "\n".join(
        f"    <labels><fullName>{n}</fullName><language>en_US</language><protected>false"
        f"</protected><shortDescription>{n}</shortDescription><value>{n}</value></labels>"
        for n in ("Greeting", "Farewell")
    ),
)
GREETER = apex(
    "Greeter",
    "public with sharing class Greeter {\n"
    "    public static String hello() { return System.Label.Greeting; }\n"
    "    public static String bye() { return Label.FAREWELL; }\n"
    "}\n",
)


@pytest.fixture
def fam(app: App) -> Family:
    return family(app)


def prepare(app: App, name: str, *components: str) -> None:
    """An open change set ``name`` in Dev holding ``components``."""
    create(app, "Dev", name)
    add(app, "Dev", name, *components)


def needs(app: App, name: str) -> list[dependencies.Needed]:
    return dependencies.change_set_needs(
        app, actor=actor_named(app), org="Dev", name=name, target="Test"
    )


def add_needed(app: App, name: str) -> list[dependencies.Needed]:
    return dependencies.add_needed(app, actor=actor_named(app), org="Dev", name=name, target="Test")


def items(app: App, name: str) -> list[str]:
    return sorted(
        map(str, changesets.get_change_set(app, actor=actor_named(app), org="Dev", name=name).items)
    )


def validate(app: App, name: str) -> Deployment:
    """Upload change set ``name`` from Dev to Test and validate it there."""
    upload(app, "Dev", name, "Test")
    return deploy(app, "Test", name, check_only=True)


def failures(d: Deployment) -> dict[str, str]:
    return {str(r.key): r.problem or "" for r in d.components if r.outcome is Outcome.FAILED}


def test_labels_held_by_a_labels_file_in_the_change_set_are_not_needed(
    app: App, fam: Family
) -> None:
    put(app, "Dev", [LABELS, GREETER])
    prepare(app, "Both", "ApexClass:Greeter", "CustomLabels:CustomLabels")
    prepare(app, "Alone", "ApexClass:Greeter")
    assert needs(app, "Both") == []
    assert failures(validate(app, "Both")) == {}

    # Without the labels file, the file is what is needed, once, for both labels it holds;
    # the reason names a label as the org spells it (Label.FAREWELL is Farewell).
    (needed,) = needs(app, "Alone")
    assert (needed.key, needed.in_source) == (key("CustomLabels:CustomLabels"), True)
    assert needed.reference.target == key("CustomLabel:Farewell")
    assert [n.key for n in add_needed(app, "Alone")] == [key("CustomLabels:CustomLabels")]
    assert needs(app, "Alone") == []
    assert items(app, "Alone") == ["ApexClass:Greeter", "CustomLabels:CustomLabels"]
    assert failures(validate(app, "Alone")) == {}


def test_a_missing_label_is_named_alike_by_deps_and_validation(app: App, fam: Family) -> None:
    put(app, "Dev", [GREETER])
    prepare(app, "CS", "ApexClass:Greeter")
    found = {(str(n.key), n.in_source) for n in needs(app, "CS")}
    assert found == {("CustomLabel:Greeting", False), ("CustomLabel:FAREWELL", False)}
    assert add_needed(app, "CS") == []
    assert set(failures(validate(app, "CS"))) == {"CustomLabel:Greeting", "CustomLabel:FAREWELL"}


def test_custom_fields_of_activity_serve_task_and_event(app: App, fam: Family) -> None:
    outcome = custom_field("Activity", "Outcome__c")
    layout = xml_component(
        "Layout",
        "Task-Task Layout",
        "layouts/Task-Task Layout.layout-meta.xml",
        "    <layoutSections><layoutColumns><layoutItems><field>Outcome__c</field>"
        "</layoutItems></layoutColumns></layoutSections>",
    )
    call = apex(
        "CallLogger",
        "public class CallLogger {\n"
        "    public static void log(Event meeting) { meeting.Outcome__c = 'Held'; }\n"
        "}\n",
    )
    put(app, "Dev", [outcome, layout, call])
    prepare(app, "Uses", "Layout:Task-Task Layout", "ApexClass:CallLogger")
    prepare(
        app,
        "All",
        "Layout:Task-Task Layout",
        "ApexClass:CallLogger",
        "CustomField:Activity.Outcome__c",
    )
    assert [str(n.key) for n in needs(app, "Uses")] == ["CustomField:Activity.Outcome__c"]
    assert needs(app, "All") == []
    assert failures(validate(app, "All")) == {}
    problems = failures(validate(app, "Uses"))
    assert list(problems) == ["CustomField:Activity.Outcome__c"]
    assert "ApexClass:CallLogger" in problems["CustomField:Activity.Outcome__c"]
    assert "Layout:Task-Task Layout" in problems["CustomField:Activity.Outcome__c"]
    used = dependencies.where_used(
        app, actor=actor_named(app), org="Dev", key=key("CustomField:Activity.Outcome__c")
    )
    assert sorted(str(r.source) for r in used) == [
        "ApexClass:CallLogger",
        "Layout:Task-Task Layout",
    ]


def test_a_lightning_component_override_may_be_an_aura_bundle(app: App, fam: Family) -> None:
    override = (
        "\n    <actionOverrides><actionName>View</actionName><content>c:projectView</content>"
        "<formFactor>Large</formFactor><skipRecordTypeSelect>false</skipRecordTypeSelect>"
        "<type>LightningComponent</type></actionOverrides>"
    )
    put(app, "Dev", [custom_object("Project__c", override), aura_bundle("projectView")])
    prepare(app, "Override", "CustomObject:Project__c")
    (needed,) = needs(app, "Override")
    assert needed.key == key("AuraDefinitionBundle:projectView")
    add_needed(app, "Override")
    assert failures(validate(app, "Override")) == {}


def test_one_missing_component_however_its_users_spell_it(app: App, fam: Family) -> None:
    users = [
        apex("North", "public class North { Region__c r; }"),
        apex("South", "public class South { REGION__C r; }"),
        apex("East", "public class East { Region__c r; }"),
    ]
    put(app, "Dev", users)
    prepare(app, "Spellings", "ApexClass:North", "ApexClass:South", "ApexClass:East")
    assert {str(n.key) for n in needs(app, "Spellings")} == {"CustomObject:Region__c"}
    problems = failures(validate(app, "Spellings"))
    assert list(problems) == ["CustomObject:Region__c"]
    for user in ("North", "South", "East"):
        assert f"ApexClass:{user}" in problems["CustomObject:Region__c"]


def test_validation_names_five_users_and_carries_every_one(app: App, fam: Family) -> None:
    users = [apex(f"Report{i}", f"public class Report{i} {{ Budget__c b; }}") for i in range(7)]
    put(app, "Dev", [*users, custom_object("Budget__c")])
    prepare(app, "Reports", *(f"ApexClass:Report{i}" for i in range(7)))
    d = validate(app, "Reports")
    (result,) = [r for r in d.components if r.outcome is Outcome.FAILED]
    assert result.key == key("CustomObject:Budget__c")
    assert (result.problem or "").endswith(" and 2 more")
    listed = result.to_json()["needed_by"]
    assert [u["name"] for u in listed] == [f"Report{i}" for i in range(7)]
    assert all(u["file"].endswith(".cls") and u["line"] == 1 for u in listed)


def test_references_into_a_managed_package_are_named_as_its_needs(app: App, fam: Family) -> None:
    gifts = apex(
        "GiftRollup",
        "public class GiftRollup {\n"
        "    public static void run(npsp__Gift__c gift) {\n"
        "        gift.npsp__Amount__c = 0;\n"
        "        String title = Label.npsp.Gift_Title;\n"
        "    }\n"
        "}\n",
    )
    put(app, "Dev", [gifts])
    prepare(app, "Gifts", "ApexClass:GiftRollup")
    found = {(str(n.key), n.in_source, n.package) for n in needs(app, "Gifts")}
    assert found == {
        ("CustomObject:npsp__Gift__c", False, "npsp"),
        ("CustomField:npsp__Gift__c.npsp__Amount__c", False, "npsp"),
        ("CustomLabel:npsp__Gift_Title", False, "npsp"),
    }
    problems = failures(validate(app, "Gifts"))
    assert set(problems) == {k for k, _, _ in found}
    assert all(
        p.startswith("needs managed package npsp: needed by ApexClass:GiftRollup")
        for p in problems.values()
    )
