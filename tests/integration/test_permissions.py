"""Who may do what: per-org permissions checked by the services, for every entrypoint
(docs/model.md, "Users and permissions"). A refusal names the permission and the org, and
changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from changeway.bootstrap import App
from changeway.domain.errors import NotFound, PermissionDenied, Refused
from changeway.domain.orgs import OrgKind
from changeway.domain.permissions import Actor, Permission, parse_permission
from changeway.services import audit, changesets, connections, deployments, orgs, sandboxes
from changeway.services import users as user_service
from tests.helpers import activate, make_sandbox, refresh, snapshot, user
from tests.helpers_metadata import Family, change_set, family, request

P = Permission


@pytest.fixture
def fam(app: App) -> Family:
    return family(app)


def refused(app: App, action: Callable[[], Any], *needles: str) -> PermissionDenied:
    """``action`` is refused for a missing permission, naming it, and writes nothing."""
    before = snapshot(app)
    with pytest.raises(PermissionDenied) as caught:
        action()
    for needle in needles:
        assert needle in str(caught.value)
    assert caught.value.code == "permission_denied"
    assert snapshot(app) == before
    return caught.value


def member(app: App, name: str, **grants: list[Permission]) -> Actor:
    """A user who is not an administrator, holding ``grants`` (org name -> permissions)."""
    return user(app, name, admin=False, grants=dict(grants))


def test_permissions_are_named_as_docs_say_or_as_salesforce_does() -> None:
    assert parse_permission("deploy_change_sets") is P.DEPLOY_CHANGE_SETS
    assert parse_permission("Deploy Change Sets") is P.DEPLOY_CHANGE_SETS
    assert parse_permission("  view setup and configuration ") is P.VIEW_SETUP
    assert parse_permission("Modify Metadata Through Metadata API Functions") is P.MODIFY_METADATA
    with pytest.raises(Refused, match="unknown permission 'Deploy Everything'"):
        parse_permission("Deploy Everything")


def test_users_see_only_orgs_where_they_hold_view_setup(app: App, fam: Family) -> None:
    dev = member(app, "dana", Dev=[P.VIEW_SETUP])
    assert [s.org.name for s in orgs.list_orgs(app, actor=dev).items] == ["Dev"]
    refused(app, lambda: orgs.show_org(app, actor=dev, ref="Prod"), "view_setup", "Prod")
    nobody = member(app, "nina")
    assert orgs.list_orgs(app, actor=nobody).items == []


def test_a_developer_may_upload_from_dev_but_not_deploy_to_prod(app: App, fam: Family) -> None:
    dev = member(
        app,
        "dana",
        Dev=[P.VIEW_SETUP, P.CREATE_UPLOAD_CHANGE_SETS],
        Test=[P.VIEW_SETUP],
        Prod=[P.VIEW_SETUP],
    )
    changesets.create_change_set(app, actor=dev, org="Dev", name="CS1")
    changesets.add_components(app, actor=dev, org="Dev", name="CS1", components=["ApexClass:A"])
    changesets.upload_change_set(app, actor=dev, org="Dev", name="CS1", target="Test")
    denied = refused(
        app,
        lambda: deployments.request_deployment(
            app, actor=dev, org="Test", ref="CS1", check_only=False
        ),
        "dana may not deploy change sets in Test",
        "deploy_change_sets (Deploy Change Sets)",
    )
    assert denied.details == {
        "permission": "deploy_change_sets",
        "org": "Test",
        "org_id": fam.test.id,
    }


def test_uploading_needs_create_upload_change_sets_in_the_source(app: App, fam: Family) -> None:
    viewer = member(app, "vic", Dev=[P.VIEW_SETUP], Test=[P.VIEW_SETUP])
    refused(
        app,
        lambda: changesets.create_change_set(app, actor=viewer, org="Dev", name="CS1"),
        "create_upload_change_sets",
        "Dev",
    )


def test_changing_inbound_authorizations_needs_deploy_change_sets_in_the_target(
    app: App, fam: Family
) -> None:
    dev = member(app, "dana", Prod=[P.VIEW_SETUP], Dev=[P.VIEW_SETUP, P.DEPLOY_CHANGE_SETS])
    refused(
        app,
        lambda: connections.allow_inbound(app, actor=dev, target="Prod", source="Dev"),
        "deploy_change_sets",
        "in Prod",
    )
    connections.revoke_inbound(app, actor=dev, target="Dev", source="Test")  # its own inbound


def test_dev_sandbox_managers_manage_only_developer_sandboxes(app: App, fam: Family) -> None:
    lead = member(app, "lee", Prod=[P.VIEW_SETUP, P.MANAGE_DEV_SANDBOXES])
    _, job = sandboxes.create_sandbox(
        app, actor=lead, name="Dev2", kind=OrgKind.DEVELOPER_PRO, source="Prod"
    )
    assert job.actor == "lee"
    refused(
        app,
        lambda: sandboxes.create_sandbox(
            app, actor=lead, name="Full1", kind=OrgKind.FULL, source="Prod"
        ),
        "manage_sandboxes (Manage Sandboxes)",
        "in Prod",
    )


def test_only_administrators_create_production_orgs_and_users(app: App, fam: Family) -> None:
    boss = member(app, "bo", Prod=list(Permission))
    refused(app, lambda: orgs.create_production(app, actor=boss, name="Other"), "administrators")
    refused(app, lambda: user_service.create_user(app, actor=boss, name="x"), "administrators")
    refused(
        app,
        lambda: orgs.set_direct_changes(app, actor=boss, org="Prod", allowed=True),
        "administrators",
    )


def test_granting_needs_manage_users_in_that_org(app: App, fam: Family) -> None:
    keeper = member(app, "kay", Dev=[P.VIEW_SETUP, P.MANAGE_USERS], Test=[P.VIEW_SETUP])
    member(app, "dana")
    grants = user_service.change_grants(
        app,
        actor=keeper,
        user="dana",
        org="Dev",
        permissions=["View Setup and Configuration"],
        grant=True,
    )
    assert grants == {"Prod/Dev": ["view_setup"]}
    refused(
        app,
        lambda: user_service.change_grants(
            app, actor=keeper, user="dana", org="Test", permissions=["view_setup"], grant=True
        ),
        "manage_users",
        "Test",
    )


def test_a_new_sandbox_receives_the_grants_of_the_org_it_is_copied_from(
    app: App, fam: Family
) -> None:
    dana = member(app, "dana", Dev=[P.VIEW_SETUP, P.CREATE_UPLOAD_CHANGE_SETS])
    make_sandbox(app, "Clone", source="Dev")
    again = user(app, "dana")
    clone = next(s.org for s in orgs.list_orgs(app, actor=again).items if s.org.name == "Clone")
    assert again.grants[clone.id] == again.grants[fam.dev.id] == dana.grants[fam.dev.id]


def test_a_refresh_keeps_the_sandboxs_grants_under_its_new_id(app: App, fam: Family) -> None:
    member(app, "dana", Dev=[P.VIEW_SETUP, P.DEPLOY_CHANGE_SETS])
    app.clock.advance(days=2)
    refresh(app, "Dev")
    new = activate(app, "Dev")
    dana = user(app, "dana")
    assert fam.dev.id not in dana.grants
    assert dana.grants[new.id] == {P.VIEW_SETUP, P.DEPLOY_CHANGE_SETS}
    assert orgs.show_org(app, actor=dana, ref="Dev").org.id == new.id


def test_deployments_of_orgs_one_cannot_see_are_not_found(app: App, fam: Family) -> None:
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    d = request(app, "Test", "CS1")
    outsider = member(app, "olga", Dev=[P.VIEW_SETUP])
    with pytest.raises(NotFound, match=f"no deployment {d.id}"):
        deployments.show_deployment(app, actor=outsider, deployment_id=d.id)


def test_audit_readers_see_only_their_orgs_events(app: App, fam: Family) -> None:
    dev = member(app, "dana", Dev=[P.VIEW_SETUP])
    seen = audit.list_audit(app, actor=dev, limit=1000).items
    assert seen and {e.org_name for e in seen} == {"Dev"}
    everything = audit.list_audit(app, actor=user(app), limit=1000).items
    assert len(everything) > len(seen)
