"""The append-only audit trail: who, what, which org, when, details (docs/model.md, "Audit")."""

from __future__ import annotations

from datetime import UTC

import pytest

from changeway.bootstrap import App
from changeway.domain.errors import NotFound, Refused
from changeway.domain.jobs import JobStatus
from changeway.domain.orgs import Org, OrgKind
from changeway.services import sandboxes
from tests.helpers import (
    actions,
    activate,
    allow,
    delete,
    discard,
    make_production,
    make_sandbox,
    org,
    refresh,
    revoke,
    run_job,
    trail,
    user,
)


@pytest.fixture
def prod(app: App) -> Org:
    return make_production(app, "Prod", actor="admin")


def test_creating_a_production_org_is_recorded(app: App, prod: Org) -> None:
    [event] = trail(app)
    assert (event.actor, event.action, event.org_id, event.org_name) == (
        "admin",
        "org.created",
        prod.id,
        "Prod",
    )
    assert event.details["kind"] == "production"
    assert event.at == app.clock.now() and event.at.tzinfo is not None
    assert event.at.utcoffset() == UTC.utcoffset(None)


def test_creating_a_sandbox_records_the_request_and_the_copy(app: App, prod: Org) -> None:
    app.clock.advance(minutes=1)
    dev = make_sandbox(app, "Dev", OrgKind.PARTIAL, actor="bob")
    requested, copied = trail(app)[1:]
    assert (requested.action, requested.actor, requested.org_id) == (
        "sandbox.create_requested",
        "bob",
        dev.id,
    )
    assert requested.details["kind"] == "partial" and requested.details["source"] == "Prod"
    assert isinstance(requested.details["job"], int)
    assert (copied.action, copied.org_name, copied.details["status"]) == (
        "sandbox.copied",
        "Dev",
        "active",
    )
    assert requested.at == copied.at == app.clock.now()


def test_every_lifecycle_step_is_recorded_in_order_with_its_actor(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev", actor="bob")
    allow(app, "Prod", "Dev", actor="carol")
    revoke(app, "Prod", "Dev", actor="carol")
    app.clock.advance(days=1)
    refresh(app, "Dev", actor="bob")
    discard(app, "Dev", actor="bob")
    refresh(app, "Dev", actor="dan")
    activate(app, "Dev", actor="dan")
    delete(app, "Dev", actor="erin")
    assert [(e.action, e.actor) for e in trail(app)[1:]] == [
        ("sandbox.create_requested", "bob"),
        ("sandbox.copied", "bob"),
        ("connection.inbound_allowed", "carol"),
        ("connection.inbound_revoked", "carol"),
        ("sandbox.refresh_requested", "bob"),
        ("sandbox.copied", "bob"),
        ("sandbox.refresh_discarded", "bob"),
        ("sandbox.refresh_requested", "dan"),
        ("sandbox.copied", "dan"),
        ("sandbox.activated", "dan"),
        ("sandbox.delete_requested", "erin"),
        ("sandbox.deleted", "erin"),
    ]


def test_events_carry_the_time_they_happened(app: App, prod: Org) -> None:
    start = app.clock.now()
    app.clock.advance(hours=2)
    make_sandbox(app, "Dev")
    app.clock.advance(hours=3)
    allow(app, "Prod", "Dev")
    times = [e.at for e in trail(app)]
    assert [(t - start).total_seconds() / 3600 for t in times] == [0, 2, 2, 5]


def test_activation_records_both_identities(app: App, prod: Org) -> None:
    old = make_sandbox(app, "Dev")
    app.clock.advance(days=1)
    refresh(app, "Dev")
    new = activate(app, "Dev")
    event = trail(app)[-1]
    assert (event.action, event.org_id) == ("sandbox.activated", new.id)
    assert event.details == {"old_id": old.id, "new_id": new.id}


def test_org_filter_includes_the_orgs_earlier_identities(app: App, prod: Org) -> None:
    first = make_sandbox(app, "Dev")
    for _ in range(2):
        app.clock.advance(days=1)
        refresh(app, "Dev")
        activate(app, "Dev")
    events = trail(app, "Dev")
    assert events[0].action == "sandbox.create_requested" and events[0].org_id == first.id
    assert [e.action for e in events].count("sandbox.activated") == 2
    assert len({e.org_id for e in events}) == 3


def test_org_filter_leaves_out_other_orgs(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    make_sandbox(app, "Test")
    allow(app, "Test", "Dev")
    assert {e.org_name for e in trail(app, "Dev")} == {"Dev"}
    assert actions(app, "Test") == [
        "sandbox.create_requested",
        "sandbox.copied",
        "connection.inbound_allowed",
    ]
    assert actions(app, "Prod") == ["org.created"]


def test_org_filter_finds_a_deleted_sandbox_by_name(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    delete(app, "Dev")
    assert actions(app, "Dev")[-2:] == ["sandbox.delete_requested", "sandbox.deleted"]


def test_org_filter_for_an_unknown_org_is_refused(app: App, prod: Org) -> None:
    with pytest.raises(NotFound, match="no org named 'Nope'"):
        trail(app, "Nope")


def test_removed_authorizations_are_recorded_when_a_sandbox_is_deleted(app: App, prod: Org) -> None:
    dev = make_sandbox(app, "Dev")
    allow(app, "Prod", "Dev")
    delete(app, "Dev", actor="erin")
    [removed] = [e for e in trail(app) if e.action == "connection.authorization_removed"]
    assert (removed.actor, removed.org_name) == ("erin", "Prod")
    assert removed.details["source_id"] == dev.id and removed.details["reason"] == "Dev deleted"


def test_a_refusal_adds_nothing_to_the_trail(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    before = trail(app)
    for attempt in (
        lambda: allow(app, "Dev", "Dev"),
        lambda: revoke(app, "Prod", "Dev"),
        lambda: activate(app, "Dev"),
        lambda: refresh(app, "Dev"),
        lambda: make_sandbox(app, "dev"),
    ):
        with pytest.raises(Refused):
            attempt()
    assert trail(app) == before


def test_the_trail_only_grows_earlier_events_never_change(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    allow(app, "Prod", "Dev")
    before = trail(app)
    app.clock.advance(days=1)
    refresh(app, "Dev")
    activate(app, "Dev")  # removes the authorization the trail mentions
    delete(app, "Dev")
    after = trail(app)
    assert after[: len(before)] == before
    ids = [e.id for e in after]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_failed_copy_is_recorded_at_the_time_it_failed(app: App, prod: Org) -> None:
    make_sandbox(app, "Dev")
    _, job = sandboxes.create_sandbox(
        app, actor=user(app, "bob"), name="Clone", kind=OrgKind.DEVELOPER, source="Dev"
    )
    app.clock.advance(hours=1)
    delete(app, "Dev")
    app.clock.advance(hours=1)
    assert run_job(app, job).status is JobStatus.FAILED
    [failed] = [e for e in trail(app) if e.action == "sandbox.copy_failed"]
    assert failed.at == app.clock.now()
    assert org(app, failed.org_id or "").name == "Clone"
