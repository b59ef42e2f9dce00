"""The dependency graph: resolution rule, queries, change set closure, deletions, updates."""

from __future__ import annotations

from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import DependencyGraph, Reference, is_implicit

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


def test_closure_to_add_adds_what_the_target_lacks_transitively_with_reasons() -> None:
    g = graph()
    source = {LWC, CTRL, SELECTOR, FIELD, OBJ, LABEL}
    added = g.closure_to_add([LWC], available_in_source=source, present_in_target={OBJ})
    assert [key for key, _ in added] == [CTRL, LABEL, SELECTOR, FIELD]
    assert dict(added)[FIELD].source == SELECTOR


def test_closure_to_add_skips_dependencies_the_source_does_not_have() -> None:
    g = graph()
    added = g.closure_to_add([LWC], available_in_source={LWC, CTRL}, present_in_target=set())
    assert [key for key, _ in added] == [CTRL]


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
