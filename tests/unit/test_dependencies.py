"""The dependency graph: resolution rule, queries, change set closure, deletions, updates."""

from __future__ import annotations

from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import (
    DependencyGraph,
    KeyIndex,
    Reference,
    is_implicit,
    namespace_of,
)

LWC = ComponentKey("LightningComponentBundle", "accountList")
CTRL = ComponentKey("ApexClass", "AccountController")
SELECTOR = ComponentKey("ApexClass", "AccountSelector")
OBJ = ComponentKey("CustomObject", "Property__c")
FIELD = ComponentKey("CustomField", "Property__c.Price__c")
LABELS = ComponentKey("CustomLabels", "CustomLabels")
LABEL = ComponentKey("CustomLabel", "greeting")


def ref(source: ComponentKey, target: ComponentKey, *, candidate: bool = False) -> Reference:
    return Reference(source, target, f"{source.name}.src", 1, "uses", candidate)


def graph() -> DependencyGraph:
    """accountList -> AccountController -> AccountSelector -> Price__c field -> Property__c."""
    references = [
        ref(LWC, CTRL),
        ref(LWC, LABEL),
        ref(CTRL, ComponentKey("ApexClass", "accountselector"), candidate=True),
        ref(CTRL, ComponentKey("ApexClass", "System"), candidate=True),
        ref(CTRL, ComponentKey("CustomObject", "Account")),
        ref(SELECTOR, FIELD),
        ref(FIELD, OBJ),
    ]
    return DependencyGraph.from_references(
        references, components=[OBJ, SELECTOR], provides={LABELS: [LABEL]}
    )


def test_standard_names_are_implicit_and_custom_names_are_not() -> None:
    assert is_implicit(ComponentKey("CustomObject", "Account"))
    assert is_implicit(ComponentKey("CustomField", "Property__c.Name"))
    assert is_implicit(ComponentKey("CustomTab", "standard-Contact"))
    assert not is_implicit(ComponentKey("CustomField", "Account.Region__c"))
    assert not is_implicit(ComponentKey("CustomObject", "Setting__mdt"))
    assert not is_implicit(CTRL)


def test_needs_follows_references_transitively_with_case_insensitive_names() -> None:
    g = graph()
    assert g.needs(LWC, transitive=False) == {CTRL, LABEL}
    # "accountselector" resolves to the exact spelling; System (a candidate) is dropped,
    # Account (standard) is implicit.
    assert g.needs(LWC) == {CTRL, LABEL, SELECTOR, FIELD, OBJ}


def test_used_by_lists_the_references_naming_a_component_or_its_children() -> None:
    g = graph()
    assert [r.source for r in g.used_by(SELECTOR)] == [CTRL]
    assert g.used_by(SELECTOR)[0].target == SELECTOR
    g.replace(LABELS, [], provides=[LABEL])
    assert [r.source for r in g.used_by(LABELS)] == [LWC]


def test_missing_names_references_to_targets_neither_deployed_nor_available() -> None:
    g = graph()
    everything = {LWC, CTRL, SELECTOR, FIELD, OBJ, LABELS}
    g.replace(LABELS, [], provides=[LABEL])
    assert g.missing(everything, available=set()) == []
    missing = g.missing([LWC, CTRL], available={LABEL})
    assert missing == [ref(CTRL, SELECTOR, candidate=True)]


def test_missing_keeps_unknown_custom_targets_and_drops_unknown_candidates() -> None:
    unknown_class = ref(CTRL, ComponentKey("ApexClass", "Nowhere"), candidate=True)
    unknown_field = ref(CTRL, ComponentKey("CustomField", "Account.Gone__c"))
    g = DependencyGraph.from_references([unknown_class, unknown_field])
    assert g.missing([CTRL], available=set()) == [unknown_field]


def test_missing_accepts_targets_present_in_the_target_org_in_any_case() -> None:
    g = graph()
    assert (
        g.missing([SELECTOR], available={ComponentKey("CustomField", "PROPERTY__C.price__c")}) == []
    )
    assert (
        g.missing([SELECTOR, FIELD], available={ComponentKey("CustomObject", "property__c")}) == []
    )
    assert g.missing([SELECTOR, FIELD], available=set()) == [ref(FIELD, OBJ)]


def complete(g: DependencyGraph, selected: list[ComponentKey], source: set, target: set):  # type: ignore[no-untyped-def]
    """``g.complete`` with a source whose labels are held by LABELS, the graph fully loaded."""
    source_keys = KeyIndex(source)

    def holder(key: ComponentKey) -> ComponentKey | None:
        container = LABELS if key.type == "CustomLabel" else key
        return container if source_keys.get(key) else None

    loaded: list[ComponentKey] = []
    added, left = g.complete(
        selected, target=target, source=source, holder=holder, load=loaded.extend
    )
    assert loaded == [key for key, _ in added]
    return added, left


def test_complete_adds_what_the_target_lacks_transitively_with_reasons() -> None:
    g = graph()
    source = {LWC, CTRL, SELECTOR, FIELD, OBJ, LABEL, LABELS}
    added, left = complete(g, [LWC], source, target={OBJ})
    # The label comes with the file that holds it; each round adds what the last one needs.
    assert [key for key, _ in added] == [CTRL, LABELS, SELECTOR, FIELD]
    assert dict(added)[FIELD].source == SELECTOR
    assert dict(added)[LABELS].target == LABEL
    assert left.all() == []


def test_complete_leaves_out_what_the_source_does_not_have_and_reports_it() -> None:
    g = graph()
    added, left = complete(g, [LWC], {LWC, CTRL}, target=set())
    assert [key for key, _ in added] == [CTRL]
    assert [(r.source, r.target) for r in left.all()] == [(CTRL, SELECTOR), (LWC, LABEL)]


def test_complete_adds_nothing_that_a_selected_container_provides() -> None:
    g = graph()
    added, left = complete(g, [LWC, LABELS, CTRL, SELECTOR], {LWC, CTRL, LABEL}, target={FIELD})
    assert added == [] and left.all() == []


def test_dangling_after_delete_reports_remaining_users_of_deleted_components() -> None:
    target = graph()
    target.replace(FIELD, [ref(FIELD, OBJ)])
    dangling = DependencyGraph().dangling_after_delete([SELECTOR], target)
    # The candidate "accountselector" resolved to the exact spelling of the deleted class.
    assert dangling == [ref(CTRL, SELECTOR, candidate=True)]


def test_deleting_an_object_deletes_its_fields_and_deployed_versions_replace_the_target() -> None:
    target = graph()
    deleted = target.dangling_after_delete([OBJ], target)
    assert [r.source for r in deleted] == [SELECTOR]
    change = DependencyGraph.from_references([], components=[SELECTOR])
    assert change.dangling_after_delete([OBJ], target) == []


def test_replace_and_remove_update_the_graph_incrementally() -> None:
    g = graph()
    g.replace(CTRL, [ref(CTRL, OBJ)])
    assert g.needs(CTRL) == {OBJ}
    assert g.used_by(SELECTOR) == []
    g.remove(SELECTOR)
    assert SELECTOR not in g
    assert g.used_by(FIELD) == []
    assert g.missing([LWC], available={CTRL}) == [ref(LWC, LABEL)]


def test_references_from_are_resolved_and_drop_unknown_candidates() -> None:
    g = graph()
    assert [r.target for r in g.references_from(CTRL)] == [SELECTOR]


def key(text: str) -> ComponentKey:
    return ComponentKey.parse(text)


def test_custom_fields_of_activity_are_fields_of_task_and_event() -> None:
    field = key("CustomField:Activity.Outcome__c")
    layout = key("Layout:Task-Task Layout")
    flow = key("Flow:Log_Call")
    g = DependencyGraph.from_references(
        [
            ref(layout, key("CustomField:Task.outcome__c")),
            ref(flow, key("CustomField:Event.Outcome__c")),
        ],
        components=[field],
    )
    assert g.missing([layout, flow], available={field}) == []
    assert [(r.source, r.target) for r in g.used_by(field)] == [(flow, field), (layout, field)]
    # Held back, the Activity field is what is missing; existing nowhere, the Task field.
    assert [r.target for r in g.missing([layout], available=set())] == [field]
    g.remove(field)
    missing = g.missing([layout], available=set())
    assert [r.target for r in missing] == [key("CustomField:Task.outcome__c")]


def test_a_reference_with_alternatives_is_satisfied_by_any_of_them() -> None:
    page = key("FlexiPage:Home")
    tile = Reference(
        page,
        key("AuraDefinitionBundle:tile"),
        "p.xml",
        3,
        "places c:tile",
        alternatives=(key("LightningComponentBundle:tile"),),
    )
    g = DependencyGraph.from_references([tile])
    assert g.missing([page], available={key("LightningComponentBundle:Tile")}) == []
    assert g.missing([page], available={key("AuraDefinitionBundle:tile")}) == []
    (missing,) = g.missing([page], available=set())
    assert missing.target == key("AuraDefinitionBundle:tile")


def test_a_target_missing_in_several_spellings_is_reported_once_in_the_most_used_one() -> None:
    users = [key(f"ApexClass:User{i}") for i in range(3)]
    spellings = ["Region__c", "REGION__C", "Region__c"]
    g = DependencyGraph.from_references(
        [ref(u, key(f"CustomObject:{s}")) for u, s in zip(users, spellings, strict=True)]
    )
    missing = g.missing(users, available=set())
    assert {r.target for r in missing} == {key("CustomObject:Region__c")}
    assert [r.source for r in missing] == users


def test_references_into_managed_packages_are_a_class_of_their_own() -> None:
    trigger = key("ApexTrigger:GiftTrigger")
    refs = [
        ref(trigger, key("CustomObject:npsp__Gift__c")),
        ref(trigger, key("CustomField:Account.npsp__Total__c")),
        ref(trigger, key("CustomLabel:npe01__Title")),
        ref(trigger, key("CustomObject:Local__c")),
    ]
    g = DependencyGraph.from_references(refs)
    found = g.unsatisfied([trigger], available=set())
    assert [r.target for r in found.missing] == [key("CustomObject:Local__c")]
    assert {ns: [r.target.name for r in rs] for ns, rs in found.packages.items()} == {
        "npsp": ["Account.npsp__Total__c", "npsp__Gift__c"],
        "npe01": ["npe01__Title"],
    }
    # A target that records npsp as installed needs only the other package.
    installed = found.without_packages(["NPSP"])
    assert list(installed.packages) == ["npe01"] and installed.missing == found.missing


def test_a_namespaced_name_is_satisfied_by_the_org_that_owns_the_namespace() -> None:
    lwc = key("LightningComponentBundle:courseCard")
    g = DependencyGraph.from_references([ref(lwc, key("CustomObject:hed__Course__c"))])
    assert g.unsatisfied([lwc], available={key("CustomObject:Course__c")}).all() == []


def test_namespaces_are_read_from_the_component_own_name() -> None:
    assert namespace_of(key("CustomObject:npsp__Gift__c")) == "npsp"
    assert namespace_of(key("CustomField:npsp__Gift__c.Local__c")) is None
    assert namespace_of(key("CustomField:Account.npsp__Total__c")) == "npsp"
    assert namespace_of(key("CustomObject:Gift__c")) is None
    assert namespace_of(key("CustomMetadata:ns__Setting.Default")) == "ns"
    assert namespace_of(key("ApexClass:ns__Service")) == "ns"
    assert namespace_of(key("ApexClass:Service_Impl")) is None
    # Salesforce's own label namespace is standard, never a package.
    assert is_implicit(key("CustomLabel:site__site_login"))


def test_where_used_on_a_partial_graph_resolves_against_the_org() -> None:
    selector, controller = key("ApexClass:AccountSelector"), key("ApexClass:AccountController")
    users_only = DependencyGraph.from_references(
        [ref(controller, key("ApexClass:accountselector"), candidate=True)]
    )
    assert users_only.used_by(selector) == []
    found = users_only.used_by(selector, known=KeyIndex([selector]))
    assert [(r.source, r.target) for r in found] == [(controller, selector)]
