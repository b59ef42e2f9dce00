"""Deployment connections and inbound authorization through the services (docs/model.md,
"Connections and authorization")."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from changeway.bootstrap import App
from changeway.domain.connections import can_upload
from changeway.domain.errors import NotFound, Refused
from changeway.domain.jobs import JobStatus
from changeway.domain.orgs import OrgKind
from changeway.services import connections, sandboxes
from changeway.services.demo import build_reference_scenario
from tests.helpers import (
    allow,
    authorizations,
    connected_names,
    make_production,
    make_sandbox,
    org,
    revoke,
    run_job,
    snapshot,
    trail,
    user,
)


def refused(
    app: App,
    action: Callable[..., object],
    *args: object,
    match: str,
    error: type[Exception] = Refused,
) -> None:
    before = snapshot(app)
    with pytest.raises(error, match=match):
        action(app, *args)
    assert snapshot(app) == before


@pytest.fixture
def family(app: App) -> App:
    """Prod with Dev and Test, and a second family Other with Far."""
    make_production(app, "Prod")
    make_sandbox(app, "Dev")
    make_sandbox(app, "Test")
    make_production(app, "Other")
    make_sandbox(app, "Far", source="Other")
    return app


@pytest.fixture
def reference(app: App) -> App:
    """The reference scenario, built as `changeway demo` builds it."""
    build_reference_scenario(app, actor=user(app), run_job=lambda job: run_job(app, job))
    return app


def test_every_two_active_orgs_of_a_family_are_connected(family: App) -> None:
    assert set(connected_names(family, "Prod")) == {"Dev", "Test"}
    assert set(connected_names(family, "Dev")) == {"Prod", "Test"}
    assert set(connected_names(family, "Test")) == {"Prod", "Dev"}


def test_no_connection_crosses_families(family: App) -> None:
    assert set(connected_names(family, "Other")) == {"Far"}
    assert set(connected_names(family, "Far")) == {"Other"}


def test_connection_list_puts_production_first_then_sandboxes_by_name(family: App) -> None:
    make_sandbox(family, "Alpha")
    assert list(connected_names(family, "Test")) == ["Prod", "Alpha", "Dev"]


def test_a_new_connection_allows_nothing_in_either_direction(family: App) -> None:
    assert connected_names(family, "Prod") == {"Dev": (False, False), "Test": (False, False)}


def test_a_sandbox_being_created_is_not_connected_until_active(family: App) -> None:
    _, job = sandboxes.create_sandbox(
        family,
        actor=user(family),
        name="Uat",
        kind=OrgKind.DEVELOPER,
        source="Prod",
    )
    assert "Uat" not in connected_names(family, "Prod")
    run_job(family, job)
    assert "Uat" in connected_names(family, "Prod")


def test_inbound_allowed_on_the_target_shows_as_outbound_on_the_source(family: App) -> None:
    allow(family, "Prod", "Test")
    assert connected_names(family, "Prod")["Test"] == (True, False)
    assert connected_names(family, "Test")["Prod"] == (False, True)
    assert connected_names(family, "Dev") == {"Prod": (False, False), "Test": (False, False)}


def test_each_direction_is_authorized_separately(family: App) -> None:
    allow(family, "Dev", "Test")
    allow(family, "Test", "Dev")
    assert connected_names(family, "Dev")["Test"] == (True, True)
    revoke(family, "Dev", "Test")
    assert connected_names(family, "Dev")["Test"] == (False, True)


def test_allowing_inbound_is_recorded_on_the_target_with_actor_and_source(family: App) -> None:
    allow(family, "Prod", "Test", actor="bob")
    event = trail(family)[-1]
    assert (event.action, event.actor, event.org_name) == (
        "connection.inbound_allowed",
        "bob",
        "Prod",
    )
    assert event.details == {"source": "Test", "source_id": org(family, "Test").id}
    assert event.at == family.clock.now()


def test_revoking_inbound_is_recorded_on_the_target(family: App) -> None:
    allow(family, "Prod", "Test")
    family.clock.advance(minutes=5)
    revoke(family, "Prod", "Test", actor="carol")
    event = trail(family)[-1]
    assert (event.action, event.actor, event.org_name) == (
        "connection.inbound_revoked",
        "carol",
        "Prod",
    )
    assert event.details["source"] == "Test"
    assert event.at == family.clock.now()
    assert authorizations(family) == set()


def test_allowing_twice_is_refused(family: App) -> None:
    allow(family, "Prod", "Test")
    refused(family, allow, "Prod", "Test", match="Prod already allows inbound changes from Test")


def test_allowing_an_org_to_send_to_itself_is_refused(family: App) -> None:
    refused(family, allow, "Dev", "Dev", match=r"an org has no connection to itself \(Dev\)")


def test_allowing_across_families_is_refused(family: App) -> None:
    refused(
        family,
        allow,
        "Prod",
        "Far",
        match="Far and Prod belong to different families; they are not connected",
    )


def test_allowing_from_a_sandbox_still_being_created_is_refused(family: App) -> None:
    sandboxes.create_sandbox(
        family,
        actor=user(family),
        name="Uat",
        kind=OrgKind.DEVELOPER,
        source="Prod",
    )
    refused(family, allow, "Prod", "Uat", match="Uat is pending; only active orgs are connected")


def test_allowing_from_an_unknown_org_is_refused(family: App) -> None:
    refused(family, allow, "Prod", "Nope", match="no org named 'Nope'", error=NotFound)


def test_revoking_what_was_never_allowed_is_refused(family: App) -> None:
    refused(
        family,
        revoke,
        "Prod",
        "Dev",
        match="Prod does not allow inbound changes from Dev; nothing to revoke",
    )


def test_authorization_is_revoked_on_the_target_not_the_source(family: App) -> None:
    allow(family, "Prod", "Test")
    refused(family, revoke, "Test", "Prod", match="Test does not allow inbound changes from Prod")
    assert connected_names(family, "Prod")["Test"] == (True, False)


def test_reference_scenario_authorizes_exactly_the_spec_paths(reference: App) -> None:
    named = {name: org(reference, name) for name in ("Prod", "Dev", "Test")}
    auths = authorizations(reference)
    allowed = {
        (source, target)
        for source, target in itertools.permutations(named, 2)
        if can_upload(named[source], named[target], auths)
    }
    assert allowed == {("Test", "Prod"), ("Prod", "Dev"), ("Test", "Dev"), ("Dev", "Test")}


def test_reference_scenario_matrix_as_connection_lists_show_it(reference: App) -> None:
    assert connected_names(reference, "Prod") == {"Dev": (False, True), "Test": (True, False)}
    assert connected_names(reference, "Dev") == {"Prod": (True, False), "Test": (True, True)}
    assert connected_names(reference, "Test") == {"Prod": (False, True), "Dev": (True, True)}


def test_reference_scenario_sandboxes_are_active_jobs_succeeded(reference: App) -> None:
    with reference.uow() as uow:
        jobs = uow.jobs.list(limit=100)
    assert [j.status for j in jobs] == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED]
    assert {org(reference, n).status.value for n in ("Prod", "Dev", "Test")} == {"active"}


def test_promotion_paths_of_a_family_are_the_same_from_any_member(reference: App) -> None:
    def edges(ref: str) -> list[tuple[str, str]]:
        paths = connections.family_paths(reference, actor=user(reference), org=ref)
        return [(s.name, t.name) for s, t in paths.edges]

    assert edges("Prod") == [("Prod", "Dev"), ("Dev", "Test"), ("Test", "Prod"), ("Test", "Dev")]
    assert edges("Dev") == edges("Prod") == edges("Test")


def test_promotion_paths_leave_out_other_families(reference: App) -> None:
    make_production(reference, "Other")
    make_sandbox(reference, "Far", source="Other")
    allow(reference, "Other", "Far")
    paths = connections.family_paths(reference, actor=user(reference), org="Prod")
    assert [o.name for o in paths.orgs] == ["Prod", "Dev", "Test"]
    assert all("Far" not in (s.name, t.name) for s, t in paths.edges)
