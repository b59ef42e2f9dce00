"""Outbound and inbound change sets on SQLite and PostgreSQL (docs/model.md, "Change sets").

Reference scenario (tests.helpers_metadata.family): Prod, Dev and Test holding classes A, B
and U; authorized paths Test→Prod, Prod→Dev, Dev→Test and Test→Dev.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from changeway.adapters.formats import parse_manifest
from changeway.bootstrap import App
from changeway.domain.changesets import Action, ChangeSetStatus, InboundStatus, Limits, Phase
from changeway.domain.errors import NotFound, Refused
from changeway.services import changesets, deployments, inbound
from tests.helpers import ACTOR, activate, delete, refresh, user
from tests.helpers_metadata import (
    Family,
    add,
    apex,
    change_set,
    contents,
    create,
    deploy,
    family,
    files,
    head,
    inbound_list,
    key,
    put,
    request,
    run,
    upload,
)


@pytest.fixture
def fam(app: App) -> Family:
    return family(app)


def show(app: App, org: str, name: str) -> changesets.ChangeSet:
    return changesets.get_change_set(app, actor=user(app), org=org, name=name)


def keys(cs) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(str(k) for k in cs.items)


# --- building an outbound change set -------------------------------------------------------


def test_create_makes_an_open_change_set_listed_in_its_org(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1", "first release")
    listed = changesets.list_change_sets(app, actor=user(app), org="Dev").items
    others = changesets.list_change_sets(app, actor=user(app), org="Test").items
    assert [(c.name, c.description, c.status, c.created_by) for c in listed] == [
        ("CS1", "first release", ChangeSetStatus.OPEN, ACTOR)
    ]
    assert others == []


def test_create_refuses_a_name_already_used_in_the_org(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    with pytest.raises(Refused, match="Dev already has a change set named 'CS1'"):
        create(app, "Dev", "CS1")


def test_show_of_an_unknown_change_set_says_which_org_lacks_it(app: App, fam: Family) -> None:
    with pytest.raises(NotFound, match="Dev has no change set named 'Nope'"):
        show(app, "Dev", "Nope")


def test_add_by_type_and_name(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:A")
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A"]


def test_add_type_star_takes_every_component_of_the_type(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:*")
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A", "ApexClass:B", "ApexClass:U"]


def test_add_prefix_wildcard_takes_the_matching_names(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("Acme1"), apex("Acme2")])
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:Acme*")
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:Acme1", "ApexClass:Acme2"]


def test_add_from_a_package_xml_manifest(app: App, fam: Family, tmp_path: Path) -> None:
    manifest = tmp_path / "package.xml"
    manifest.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <types><members>A</members><members>U</members><name>ApexClass</name></types>\n"
        "    <version>62.0</version>\n"
        "</Package>\n"
    )
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", members=parse_manifest(manifest))
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A", "ApexClass:U"]


def test_add_refuses_a_component_the_org_lacks_naming_it_and_adds_nothing(
    app: App, fam: Family
) -> None:
    create(app, "Dev", "CS1")
    with pytest.raises(Refused, match="the org has no component ApexClass:Missing"):
        add(app, "Dev", "CS1", "ApexClass:A", "ApexClass:Missing")
    assert show(app, "Dev", "CS1").items == {}


def test_add_deletions_run_before_the_other_changes_by_default(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", deletions=["ApexClass:Old"])
    item = show(app, "Dev", "CS1").items[key("ApexClass:Old")]
    assert (item.action, item.phase) == (Action.DELETE, Phase.PRE)


def test_add_deletions_after_the_other_changes_with_post(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", deletions=["ApexClass:Old"], post=True)
    item = show(app, "Dev", "CS1").items[key("ApexClass:Old")]
    assert (item.action, item.phase) == (Action.DELETE, Phase.POST)


def test_add_refuses_wildcard_deletions(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    with pytest.raises(Refused, match=r"deletions take exact names, not wildcards: ApexClass:\*"):
        add(app, "Dev", "CS1", deletions=["ApexClass:*"])
    assert show(app, "Dev", "CS1").items == {}


def test_add_refuses_deploying_and_deleting_the_same_component(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:A")
    with pytest.raises(Refused, match=r"both deployed and deleted: ApexClass:A \(already to"):
        add(app, "Dev", "CS1", deletions=["ApexClass:A"])
    assert show(app, "Dev", "CS1").items[key("ApexClass:A")].action is Action.UPSERT


def test_add_refuses_a_malformed_component_name(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    with pytest.raises(Refused, match="expected TYPE:NAME"):
        add(app, "Dev", "CS1", "ApexClassA")


def test_remove_takes_a_component_out(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:*")
    changesets.remove_components(
        app, actor=user(app), org="Dev", name="CS1", components=["ApexClass:B"]
    )
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A", "ApexClass:U"]


def test_remove_refuses_a_component_the_change_set_does_not_hold(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:A")
    with pytest.raises(Refused, match="change set 'CS1' does not hold ApexClass:B"):
        changesets.remove_components(
            app, actor=user(app), org="Dev", name="CS1", components=["ApexClass:B"]
        )
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A"]


# --- upload --------------------------------------------------------------------------------


def test_upload_along_an_authorized_path_creates_an_awaiting_inbound_change_set(
    app: App, fam: Family
) -> None:
    create(app, "Dev", "CS1", "release")
    add(app, "Dev", "CS1", "ApexClass:A")
    upload(app, "Dev", "CS1", "Test")
    (found,) = inbound_list(app, "Test")
    assert (found.name, found.description, found.source_org_id, found.uploaded_by) == (
        "CS1",
        "release",
        fam.dev.id,
        ACTOR,
    )
    assert found.status is InboundStatus.AWAITING
    assert found.uploaded_at == app.clock.now()
    assert list(found.items) == [key("ApexClass:A")]


def test_upload_is_refused_unless_the_target_allows_inbound_from_the_source(
    app: App, fam: Family
) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:A")
    with pytest.raises(Refused, match="Prod does not allow inbound changes from Dev"):
        upload(app, "Dev", "CS1", "Prod")
    assert inbound_list(app, "Prod") == []
    assert show(app, "Dev", "CS1").status is ChangeSetStatus.OPEN


def test_upload_of_an_empty_change_set_is_refused(app: App, fam: Family) -> None:
    create(app, "Dev", "CS1")
    with pytest.raises(Refused, match="change set 'CS1' is empty; add components"):
        upload(app, "Dev", "CS1", "Test")
    assert inbound_list(app, "Test") == []


def test_upload_over_the_file_limit_is_refused_and_leaves_the_set_open(
    app: App, fam: Family
) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:A", "ApexClass:B")
    with pytest.raises(Refused, match="change set 'CS1' has 4 files; the limit is 3"):
        upload(app, "Dev", "CS1", "Test", limits=Limits(max_files=3))
    assert inbound_list(app, "Test") == []
    assert show(app, "Dev", "CS1").status is ChangeSetStatus.OPEN


def test_upload_over_the_size_limit_is_refused(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("Big", "x" * 3000)])
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:Big")
    with pytest.raises(Refused, match=r"change set 'CS1' holds .* MB; the limit is"):
        upload(app, "Dev", "CS1", "Test", limits=Limits(max_bytes=2048))
    assert inbound_list(app, "Test") == []


def test_upload_refuses_a_component_deleted_from_the_source_since_it_was_added(
    app: App, fam: Family
) -> None:
    create(app, "Dev", "CS1")
    add(app, "Dev", "CS1", "ApexClass:A")
    put(app, "Dev", delete=["ApexClass:A"])
    with pytest.raises(Refused, match="Dev no longer has ApexClass:A; remove them first"):
        upload(app, "Dev", "CS1", "Test")
    assert inbound_list(app, "Test") == []


def test_upload_closes_the_change_set(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    cs = show(app, "Dev", "CS1")
    assert cs.status is ChangeSetStatus.CLOSED
    assert cs.closed_at == app.clock.now()


def test_upload_freezes_content_later_source_edits_do_not_travel(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    put(app, "Dev", [apex("A", "class A { /* v3, after upload */ }")])
    assert deploy(app, "Test", "CS1").status.value == "succeeded"
    body = files(app, "Test", "ApexClass:A")
    assert body is not None
    assert body["force-app/main/default/classes/A.cls"] == b"class A { /* v2 */ }"


def test_a_closed_change_set_cannot_get_components(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    with pytest.raises(Refused, match="cannot edit change set 'CS1': it is closed"):
        add(app, "Dev", "CS1", "ApexClass:B")
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A"]


def test_a_closed_change_set_cannot_lose_components(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", "ApexClass:B", target="Test")
    with pytest.raises(Refused, match="clone it to make an open copy"):
        changesets.remove_components(
            app, actor=user(app), org="Dev", name="CS1", components=["ApexClass:B"]
        )
    assert keys(show(app, "Dev", "CS1")) == ["ApexClass:A", "ApexClass:B"]


def test_uploading_again_to_another_target_sends_the_same_snapshot(app: App, fam: Family) -> None:
    put(app, "Test", [apex("A", "class A { /* test v2 */ }")])
    change_set(app, "Test", "CS1", "ApexClass:A", target="Prod")
    put(app, "Test", [apex("A", "class A { /* test v3 */ }")])
    upload(app, "Test", "CS1", "Dev")
    (to_prod,) = inbound_list(app, "Prod")
    (to_dev,) = inbound_list(app, "Dev")
    assert to_prod.items == to_dev.items
    assert to_dev.items[key("ApexClass:A")].content != contents(app, "Test")[key("ApexClass:A")]


def test_clone_makes_an_open_copy_that_takes_current_content_at_its_upload(
    app: App, fam: Family
) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    put(app, "Dev", [apex("A", "class A { /* v3 */ }")])
    clone = changesets.clone_change_set(app, actor=user(app), org="Dev", name="CS1", new_name="CS2")
    assert clone.status is ChangeSetStatus.OPEN
    assert keys(clone) == ["ApexClass:A"]
    upload(app, "Dev", "CS2", "Test")
    cs2 = next(i for i in inbound_list(app, "Test") if i.name == "CS2")
    assert cs2.items[key("ApexClass:A")].content == contents(app, "Dev")[key("ApexClass:A")]


def test_clone_refuses_a_name_already_used(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    with pytest.raises(Refused, match="Dev already has a change set named 'CS1'"):
        changesets.clone_change_set(app, actor=user(app), org="Dev", name="CS1", new_name="CS1")


# --- inbound change sets -------------------------------------------------------------------


def test_inbound_show_gives_source_uploader_time_and_components(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test", deletions=["ApexClass:Old"])
    found = inbound.get_inbound(app, actor=user(app), org="Test", ref="CS1").change_set
    assert found.source_org_id == fam.dev.id
    assert found.uploaded_by == ACTOR
    assert {str(k): i.action for k, i in found.items.items()} == {
        "ApexClass:A": Action.UPSERT,
        "ApexClass:Old": Action.DELETE,
    }
    assert found.items[key("ApexClass:A")].content == contents(app, "Dev")[key("ApexClass:A")]


def test_inbound_show_of_an_unknown_name_says_so(app: App, fam: Family) -> None:
    with pytest.raises(NotFound, match="Test has no inbound change set 'Nope'"):
        inbound.get_inbound(app, actor=user(app), org="Test", ref="Nope")


def test_inbound_delete_takes_it_off_the_inbound_list(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    gone = inbound.delete_inbound(app, actor=user(app), org="Test", ref="CS1")
    assert gone.status is InboundStatus.DELETED
    assert inbound_list(app, "Test") == []


def test_a_deleted_inbound_change_set_cannot_be_deployed(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    inbound.delete_inbound(app, actor=user(app), org="Test", ref="CS1")
    before = head(app, "Test")
    with pytest.raises(Refused, match="inbound change set 'CS1' of Test was deleted"):
        request(app, "Test", "CS1")
    assert head(app, "Test") == before


def test_inbound_delete_is_refused_while_a_deployment_of_it_is_queued(
    app: App, fam: Family
) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    d = request(app, "Test", "CS1")
    with pytest.raises(Refused, match=f"has deployment {d.id} under way; cancel it or wait"):
        inbound.delete_inbound(app, actor=user(app), org="Test", ref="CS1")
    assert inbound_list(app, "Test")[0].status is InboundStatus.AWAITING


def test_two_inbound_change_sets_with_one_name_need_an_id(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    upload(app, "Dev", "CS1", "Test")
    with pytest.raises(Refused, match="several inbound change sets named 'CS1'; use an id"):
        request(app, "Test", "CS1")
    second = inbound_list(app, "Test")[1]
    assert request(app, "Test", str(second.id)).inbound_id == second.id


def test_not_deployable_after_its_source_sandbox_was_deleted(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    delete(app, "Dev")
    before = head(app, "Test")
    with pytest.raises(Refused, match="its source org Dev was deleted since it was uploaded"):
        request(app, "Test", "CS1")
    assert head(app, "Test") == before


def test_not_deployable_after_its_source_was_refreshed_and_activated(app: App, fam: Family) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    app.clock.advance(days=2)  # type: ignore[attr-defined]
    refresh(app, "Dev")
    activate(app, "Dev")
    before = head(app, "Test")
    with pytest.raises(Refused, match="its source org Dev was refreshed since it was uploaded"):
        request(app, "Test", "CS1")
    assert head(app, "Test") == before


def test_a_queued_deployment_fails_when_its_source_is_deleted_before_it_runs(
    app: App, fam: Family
) -> None:
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    d = request(app, "Test", "CS1")
    delete(app, "Dev")
    before = head(app, "Test")
    done, job = run(app, d)
    assert done.status.value == "failed"
    assert "source org Dev was deleted" in (job.error or "")
    assert head(app, "Test") == before


def test_not_deployable_while_one_of_its_deployments_is_under_way(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    first = request(app, "Test", "CS1")
    with pytest.raises(Refused, match=f"already has deployment {first.id} under way"):
        request(app, "Test", "CS1")
    assert [d.id for d in deployments.list_deployments(app, actor=user(app), org="Test").items] == [
        first.id
    ]


def test_add_refuses_deploying_and_deleting_one_component_in_the_same_call(
    app: App, fam: Family
) -> None:
    create(app, "Dev", "CS1")
    with pytest.raises(Refused, match=r"both deployed and deleted: ApexClass:B \(named both ways"):
        add(app, "Dev", "CS1", "ApexClass:*", deletions=["ApexClass:B"])
    assert show(app, "Dev", "CS1").items == {}
