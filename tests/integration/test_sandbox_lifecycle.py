"""Sandbox lifecycle through the services, on SQLite and PostgreSQL (docs/model.md, "Orgs and
families")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from changeway.bootstrap import App
from changeway.domain.connections import Authorization
from changeway.domain.errors import NotFound, Refused
from changeway.domain.jobs import Job, JobStatus
from changeway.domain.orgs import Org, OrgKind, OrgStatus
from changeway.services import orgs, sandboxes
from tests.helpers import (
    T0,
    actions,
    activate,
    allow,
    authorizations,
    connected_names,
    delete,
    discard,
    make_production,
    make_sandbox,
    org,
    refresh,
    request_delete,
    request_refresh,
    run_job,
    snapshot,
    trail,
    user,
)


@pytest.fixture
def prod(app: App) -> Org:
    return make_production(app, "Prod")


def create(
    app: App, name: str, kind: OrgKind = OrgKind.DEVELOPER, source: str = "Prod"
) -> tuple[Org, Job]:
    return sandboxes.create_sandbox(app, actor=user(app), name=name, kind=kind, source=source)


def refused(
    app: App,
    action: Callable[..., object],
    *args: object,
    match: str,
    error: type[Exception] = Refused,
) -> None:
    """``action`` is refused with a message matching ``match`` and writes nothing."""
    before = snapshot(app)
    with pytest.raises(error, match=match):
        action(app, *args)
    assert snapshot(app) == before


def listed(app: App) -> list[tuple[str, str, str]]:
    page = orgs.list_orgs(app, actor=user(app))
    return [(s.org.name, s.org.kind.value, s.org.status.value) for s in page.items]


# --- create ----------------------------------------------------------------------------------


def test_created_sandbox_is_pending_until_its_copy_job_runs(app: App, prod: Org) -> None:
    sandbox, job = create(app, "Dev")
    assert org(app, "Dev").status is OrgStatus.PENDING
    assert job.status is JobStatus.PENDING and job.org_id == sandbox.id
    assert connected_names(app, "Prod") == {}
    done = run_job(app, job)
    assert done.status is JobStatus.SUCCEEDED and done.progress == 1.0
    dev = org(app, "Dev")
    assert (dev.id, dev.status, dev.kind) == (sandbox.id, OrgStatus.ACTIVE, OrgKind.DEVELOPER)
    assert dev.production_id == prod.id and dev.copied_at == T0
    assert set(connected_names(app, "Prod")) == {"Dev"}


@pytest.mark.parametrize("kind", list(OrgKind)[1:])
def test_each_sandbox_type_can_be_created(app: App, prod: Org, kind: OrgKind) -> None:
    make_sandbox(app, "Box", kind)
    assert listed(app) == [("Prod", "production", "active"), ("Box", kind.value, "active")]


def test_sandbox_with_an_invalid_name_is_refused_and_nothing_is_written(
    app: App, prod: Org
) -> None:
    refused(app, create, "2Dev", match="invalid sandbox name '2Dev': use 1-10 letters and digits")


def test_sandbox_name_longer_than_ten_characters_is_refused(app: App, prod: Org) -> None:
    refused(app, create, "Abcdefghijk", match="invalid sandbox name 'Abcdefghijk'")


def test_duplicate_sandbox_name_is_refused_case_insensitively(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    refused(app, create, "DEV", match="a sandbox named Dev exists in Prod's family")


def test_same_sandbox_name_may_exist_in_two_families(app: App, prod: Org) -> None:
    make_production(app, "Other")
    make_sandbox(app, "Dev", source="Prod")
    make_sandbox(app, "Dev", source="Other")
    assert org(app, "Other/Dev").production_id != org(app, "Prod/Dev").production_id


def test_ambiguous_name_asks_which_family_is_meant(app: App, prod: Org) -> None:
    make_production(app, "Other")
    make_sandbox(app, "Dev", source="Prod")
    make_sandbox(app, "Dev", source="Other")
    refused(
        app,
        request_refresh,
        "Dev",
        match=r"'Dev' names several orgs; say which: Other/Dev, Prod/Dev",
    )


def test_sandbox_over_the_type_limit_is_refused_with_the_limit(app: App, prod: Org) -> None:
    make_sandbox(app, "Full1", OrgKind.FULL)
    refused(
        app,
        create,
        "Full2",
        OrgKind.FULL,
        match="Prod may have at most 1 full sandbox; it has 1",
    )


def test_sandbox_still_being_created_counts_against_the_limit(app: App, prod: Org) -> None:
    create(app, "Part1", OrgKind.PARTIAL)
    refused(app, create, "Part2", OrgKind.PARTIAL, match="at most 1 partial sandbox; it has 1")


def test_sandbox_from_an_unknown_org_is_refused(app: App, prod: Org) -> None:
    refused(
        app, create, "Dev", OrgKind.DEVELOPER, "Nope", match="no org named 'Nope'", error=NotFound
    )


def test_sandbox_of_type_production_is_refused(app: App, prod: Org) -> None:
    refused(app, create, "Dev", OrgKind.PRODUCTION, match="production is not a sandbox type")


def test_duplicate_production_name_is_refused(app: App, prod: Org) -> None:
    refused(app, make_production, "PROD", match="a production org named 'PROD' exists")


# --- clone -----------------------------------------------------------------------------------


def test_clone_copies_a_sandbox_of_the_same_family(app: App, prod: Org) -> None:
    dev = make_sandbox(app, "Dev")
    clone = make_sandbox(app, "Dev2", source="Dev")
    assert (clone.source_id, clone.production_id) == (dev.id, prod.id)
    assert set(connected_names(app, "Dev2")) == {"Prod", "Dev"}
    assert actions(app, "Dev2")[0] == "sandbox.clone_requested"


def test_clone_of_another_familys_sandbox_belongs_to_that_family(app: App, prod: Org) -> None:
    other = make_production(app, "Other")
    make_sandbox(app, "Far", source="Other")
    clone = make_sandbox(app, "Near", source="Other/Far")
    assert clone.production_id == other.id
    assert set(connected_names(app, "Near")) == {"Other", "Far"}
    assert set(connected_names(app, "Prod")) == set()


def test_clone_of_a_sandbox_that_is_still_being_created_is_refused(app: App, prod: Org) -> None:
    create(app, "Dev")
    refused(
        app, create, "Dev2", OrgKind.DEVELOPER, "Dev", match="cannot copy from Dev: it is pending"
    )


def test_clone_whose_source_is_deleted_before_the_copy_fails_cleanly(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    clone, job = create(app, "Dev2", source="Dev")
    delete(app, "Dev")
    failed = run_job(app, job)
    assert failed.status is JobStatus.FAILED
    assert failed.error == "the source org Dev is deleted"
    assert org(app, clone.id).status is OrgStatus.DELETED
    assert "sandbox.copy_failed" in actions(app, "Dev2")


def test_clone_refreshes_from_its_source_sandbox(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    make_sandbox(app, "Dev2", source="Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev2")
    requested = [e for e in trail(app, "Dev2") if e.action == "sandbox.refresh_requested"]
    assert requested[-1].details["source"] == "Dev"


def test_clone_refreshes_from_production_once_its_source_is_deleted(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    make_sandbox(app, "Dev2", source="Dev")
    delete(app, "Dev")
    app.clock.advance(days=1)
    copy = refresh(app, "Dev2")
    assert copy.status is OrgStatus.PENDING_ACTIVATION
    requested = [e for e in trail(app, "Dev2") if e.action == "sandbox.refresh_requested"]
    assert requested[-1].details["source"] == "Prod"


# --- refresh ---------------------------------------------------------------------------------


def test_refresh_before_the_interval_is_refused_saying_when_it_is_allowed(
    app: App, prod: Org
) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(hours=23)
    refused(
        app,
        request_refresh,
        "Dev",
        match="a developer sandbox can be refreshed again from 2026-01-06 09:00 UTC",
    )


def test_full_sandbox_refresh_waits_twenty_nine_days(app: App, prod: Org) -> None:
    make_sandbox(app, "Full", OrgKind.FULL)
    app.clock.advance(days=28)
    refused(app, request_refresh, "Full", match="refreshed again from 2026-02-03 09:00 UTC")
    app.clock.advance(days=1)
    assert refresh(app, "Full").status is OrgStatus.PENDING_ACTIVATION


def test_refresh_makes_a_new_copy_waiting_for_activation_beside_the_old_sandbox(
    app: App, prod: Org
) -> None:
    dev = make_sandbox(app, "Dev")
    allow(app, "Prod", "Dev")
    app.clock.advance(days=1)
    copy = refresh(app, "Dev")
    assert copy.id != dev.id and copy.name == "Dev"
    assert copy.status is OrgStatus.PENDING_ACTIVATION
    assert org(app, "Dev").id == dev.id  # the old sandbox is still the one in use
    assert connected_names(app, "Prod") == {"Dev": (True, False)}
    assert listed(app) == [("Prod", "production", "active"), ("Dev", "developer", "active")]
    shown = orgs.show_org(app, actor=user(app), ref="Dev")
    assert shown.refresh is not None and shown.refresh.id == copy.id


def test_refresh_while_a_refresh_waits_is_refused(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(days=2)
    refresh(app, "Dev")
    refused(
        app,
        request_refresh,
        "Dev",
        match="Dev already has a refresh that is pending_activation; activate or discard it first",
    )


def test_refresh_of_a_production_org_is_refused(app: App, prod: Org) -> None:
    app.clock.advance(days=60)
    refused(app, request_refresh, "Prod", match="cannot refresh Prod: it is a production org")


# --- activate / discard ----------------------------------------------------------------------


def test_activate_replaces_the_sandbox_by_its_copy_with_the_new_id(app: App, prod: Org) -> None:
    dev = make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    copy = refresh(app, "Dev")
    active = activate(app, "Dev")
    assert active.id == copy.id and active.status is OrgStatus.ACTIVE
    assert org(app, dev.id).status is OrgStatus.REPLACED
    assert org(app, "Dev").id == copy.id
    assert org(app, "Prod/Dev").id == copy.id
    assert {c: org(app, c).id for c in connected_names(app, "Prod")} == {"Dev": copy.id}


def test_activate_removes_authorizations_of_the_old_identity_and_records_each(
    app: App, prod: Org
) -> None:
    dev = make_sandbox(app, "Dev")
    make_sandbox(app, "Test")
    allow(app, "Prod", "Dev")
    allow(app, "Dev", "Test")
    allow(app, "Test", "Prod")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    activate(app, "Dev")
    assert connected_names(app, "Dev") == {"Prod": (False, False), "Test": (False, False)}
    assert connected_names(app, "Test") == {"Prod": (True, False), "Dev": (False, False)}
    removed = [e for e in trail(app) if e.action == "connection.authorization_removed"]
    assert sorted((e.org_name, e.details["source"], e.details["reason"]) for e in removed) == [
        ("Dev", "Test", "Dev refreshed"),
        ("Prod", "Dev", "Dev refreshed"),
    ]
    assert all(dev.id in (e.details["source_id"], e.details["target_id"]) for e in removed)


def test_authorizations_must_be_granted_again_to_the_new_identity(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    allow(app, "Prod", "Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    new = activate(app, "Dev")
    assert authorizations(app) == set()
    allow(app, "Prod", "Dev")
    assert authorizations(app) == {Authorization(prod.id, new.id)}
    assert connected_names(app, "Prod") == {"Dev": (True, False)}


def test_clones_point_at_the_new_identity_after_activation(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    make_sandbox(app, "Dev2", source="Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    new = activate(app, "Dev")
    assert org(app, "Dev2").source_id == new.id
    refresh(app, "Dev2")
    requested = [e for e in trail(app, "Dev2") if e.action == "sandbox.refresh_requested"]
    assert requested[-1].details["source"] == "Dev"


def test_activated_sandbox_keeps_its_name_in_the_family(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    activate(app, "Dev")
    refused(app, create, "dev", match="a sandbox named Dev exists in Prod's family")


def test_activated_sandbox_can_be_refreshed_again_after_its_new_interval(
    app: App, prod: Org
) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    activate(app, "Dev")
    app.clock.advance(hours=12)
    refused(app, request_refresh, "Dev", match="refreshed again from 2026-01-07 09:00 UTC")
    app.clock.advance(hours=12)
    refresh(app, "Dev")
    second = activate(app, "Dev")
    assert org(app, "Dev").id == second.id


def test_activate_without_a_refresh_is_refused(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    refused(
        app, activate, "Dev", match="cannot activate Dev: it has no refresh, not pending_activation"
    )


def test_activate_while_the_refresh_is_still_copying_is_refused(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    request_refresh(app, "Dev")
    refused(app, activate, "Dev", match="cannot activate Dev: its refresh is pending, not pending")


def test_discard_without_a_refresh_is_refused(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    refused(
        app, discard, "Dev", match="cannot discard Dev: it has no refresh, not pending_activation"
    )


def test_discard_keeps_the_old_sandbox_its_id_and_its_authorizations(app: App, prod: Org) -> None:
    dev = make_sandbox(app, "Dev")
    allow(app, "Prod", "Dev")
    app.clock.advance(days=1)
    copy = refresh(app, "Dev")
    discard(app, "Dev")
    assert org(app, "Dev").id == dev.id
    assert org(app, copy.id).status is OrgStatus.DISCARDED
    assert connected_names(app, "Prod") == {"Dev": (True, False)}
    assert actions(app, "Dev")[-1] == "sandbox.refresh_discarded"


def test_discarded_refresh_cannot_be_activated_but_a_new_refresh_can_start(
    app: App, prod: Org
) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    discard(app, "Dev")
    refused(app, activate, "Dev", match="cannot activate Dev: its refresh is discarded")
    assert refresh(app, "Dev").status is OrgStatus.PENDING_ACTIVATION


def test_activate_on_a_production_org_is_refused(app: App, prod: Org) -> None:
    refused(app, activate, "Prod", match="cannot activate Prod: it is a production org")


# --- delete ----------------------------------------------------------------------------------


def test_delete_goes_through_deleting_to_deleted(app: App, prod: Org) -> None:
    dev = make_sandbox(app, "Dev")
    deleting, job = request_delete(app, "Dev")
    assert deleting.status is OrgStatus.DELETING
    assert org(app, dev.id).status is OrgStatus.DELETING
    assert run_job(app, job).status is JobStatus.SUCCEEDED
    assert org(app, dev.id).status is OrgStatus.DELETED
    assert listed(app) == [("Prod", "production", "active")]


def test_connections_and_authorizations_go_at_once_when_delete_starts(app: App, prod: Org) -> None:
    dev = make_sandbox(app, "Dev")
    make_sandbox(app, "Test")
    allow(app, "Prod", "Dev")
    allow(app, "Dev", "Test")
    allow(app, "Prod", "Test")
    request_delete(app, "Dev")  # the job has not run yet
    assert connected_names(app, "Prod") == {"Test": (True, False)}
    assert connected_names(app, "Test") == {"Prod": (False, True)}
    assert all(dev.id not in (a.target_id, a.source_id) for a in authorizations(app))
    removed = [e for e in trail(app) if e.action == "connection.authorization_removed"]
    assert {e.details["reason"] for e in removed} == {"Dev deleted"}
    assert len(removed) == 2


def test_name_is_not_reusable_while_the_sandbox_is_being_deleted(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    _, job = request_delete(app, "Dev")
    refused(app, create, "Dev", match="a sandbox named Dev is being deleted in Prod's family")
    run_job(app, job)
    assert make_sandbox(app, "Dev").status is OrgStatus.ACTIVE


def test_delete_discards_a_refresh_waiting_for_activation(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    copy = refresh(app, "Dev")
    delete(app, "Dev")
    assert org(app, copy.id).status is OrgStatus.DISCARDED


def test_delete_of_a_production_org_is_refused(app: App, prod: Org) -> None:
    refused(app, request_delete, "Prod", match="cannot delete Prod: it is a production org")


def test_delete_twice_is_refused_while_deleting(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    request_delete(app, "Dev")
    refused(app, request_delete, "Dev", match="cannot delete Dev: it is deleting")


def test_deleted_sandbox_is_no_longer_found_by_name(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    delete(app, "Dev")
    app.clock.advance(days=5)
    for action in (request_refresh, request_delete, activate, discard):
        refused(app, action, "Dev", match="no org named 'Dev'", error=NotFound)


def test_actions_on_a_deleted_sandbox_by_id_are_refused_naming_its_state(
    app: App, prod: Org
) -> None:
    dev = make_sandbox(app, "Dev")
    delete(app, "Dev")
    app.clock.advance(days=5)
    refused(app, request_refresh, dev.id, match="cannot refresh Dev: it is deleted")
    refused(app, request_delete, dev.id, match="cannot delete Dev: it is deleted")
    refused(
        app, create, "Clone", OrgKind.DEVELOPER, dev.id, match="cannot copy from Dev: it is deleted"
    )
    refused(app, allow, "Prod", dev.id, match="Dev is deleted; only active orgs are connected")
    refused(app, activate, dev.id, match="cannot activate Dev: it has no refresh")
