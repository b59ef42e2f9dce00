"""Users, passwords, API tokens and who acts in embedded mode (docs/model.md, "Users and
permissions")."""

from __future__ import annotations

import pytest

from changeway.bootstrap import App
from changeway.domain.errors import NotAuthenticated, PermissionDenied, Refused
from changeway.domain.permissions import Entrypoint
from changeway.domain.users import token_digest
from changeway.services import users
from tests.cli_results import Invoke, data, fails, ok
from tests.helpers import make_production, snapshot, trail, user

CLI = Entrypoint.CLI


def test_the_first_os_user_of_an_empty_store_becomes_its_administrator(app: App) -> None:
    first = users.embedded_actor(app, os_user="olivia", entrypoint=CLI)
    assert (first.name, first.is_admin) == ("olivia", True)
    [event] = trail(app)
    assert (event.action, event.actor, event.entrypoint) == ("user.created", "olivia", "cli")
    assert event.details == {"user": "olivia", "admin": True, "first": True}
    with pytest.raises(NotAuthenticated, match="mallory is not a user of this store"):
        users.embedded_actor(app, os_user="mallory", entrypoint=CLI)


def test_only_administrators_act_as_others_and_the_trail_says_so(app: App) -> None:
    admin = users.embedded_actor(app, os_user="olivia", entrypoint=CLI)
    users.create_user(app, actor=admin, name="bob")
    bob = users.embedded_actor(app, os_user="olivia", as_user="bob", entrypoint=CLI)
    assert (bob.name, bob.is_admin, bob.label) == ("bob", False, "olivia acting as bob")
    with pytest.raises(NotAuthenticated, match="bob may not act as another user"):
        users.embedded_actor(app, os_user="bob", as_user="olivia", entrypoint=CLI)
    users.set_password(app, actor=bob, name="bob", password="correct horse")
    [event] = [e for e in trail(app) if e.action == "user.password_set"]
    assert (event.actor, event.user, event.by) == ("olivia acting as bob", "bob", "olivia")


def test_passwords_are_stored_as_argon2_hashes_and_checked(app: App) -> None:
    admin = user(app)
    users.create_user(app, actor=admin, name="pat", password="s3cret-enough")
    with app.uow() as uow:
        stored = uow.users.named("pat")
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$") and "s3cret" not in stored.password_hash
    found = users.authenticate_password(
        app, name="pat", password="s3cret-enough", entrypoint=Entrypoint.WEB
    )
    assert found.name == "pat"
    with pytest.raises(NotAuthenticated, match="unknown user or wrong password"):
        users.authenticate_password(app, name="pat", password="guess", entrypoint=Entrypoint.WEB)
    with pytest.raises(Refused, match="at least 8 characters"):
        users.set_password(app, actor=admin, name="pat", password="short")


def test_a_token_is_shown_once_stored_as_a_digest_and_authenticates(app: App) -> None:
    admin = user(app)
    users.create_user(app, actor=admin, name="bob")
    made = users.create_token(app, actor=admin, user="bob", expires="30d")
    assert made.secret.startswith("cwt_") and len(made.secret) > 40
    with app.uow() as uow:
        stored = uow.tokens.get(made.token.id)
    assert stored is not None and stored.digest == token_digest(made.secret)
    assert made.secret not in repr(stored)
    actor, org = users.authenticate_token(app, token=made.secret, entrypoint=Entrypoint.API)
    assert (actor.name, actor.entrypoint, org) == ("bob", Entrypoint.API, None)
    with pytest.raises(NotAuthenticated, match="not authenticated"):
        users.authenticate_token(app, token=made.secret + "x", entrypoint=Entrypoint.API)


def test_a_token_stops_working_when_it_expires_or_is_revoked(app: App) -> None:
    admin = user(app)
    short = users.create_token(app, actor=admin, user=admin.name, expires="1h")
    app.clock.advance(minutes=59)
    users.authenticate_token(app, token=short.secret, entrypoint=Entrypoint.API)
    app.clock.advance(minutes=1)
    with pytest.raises(NotAuthenticated, match="expired or revoked"):
        users.authenticate_token(app, token=short.secret, entrypoint=Entrypoint.API)
    lasting = users.create_token(app, actor=admin, user=admin.name, expires="never")
    users.revoke_token(app, actor=admin, token_id=lasting.token.id)
    with pytest.raises(NotAuthenticated):
        users.authenticate_token(app, token=lasting.secret, entrypoint=Entrypoint.API)
    with pytest.raises(Refused, match="already revoked"):
        users.revoke_token(app, actor=admin, token_id=lasting.token.id)
    with pytest.raises(Refused, match="invalid expiry '30 days'"):
        users.create_token(app, actor=admin, user=admin.name, expires="30 days")


def test_a_token_may_be_bound_to_an_org_its_user_can_see(app: App) -> None:
    admin = user(app)
    make_production(app, "Prod")
    users.create_user(app, actor=admin, name="bob")
    with pytest.raises(PermissionDenied, match="view_setup"):
        users.create_token(app, actor=admin, user="bob", org="Prod")
    users.change_grants(
        app, actor=admin, user="bob", org="Prod", permissions=["view_setup"], grant=True
    )
    bound = users.create_token(app, actor=admin, user="bob", org="Prod")
    _, org_id = users.authenticate_token(app, token=bound.secret, entrypoint=Entrypoint.SF)
    assert bound.org == "Prod" and org_id == bound.token.org_id


def test_users_make_tokens_only_for_themselves_unless_administrators(app: App) -> None:
    admin = user(app)
    users.create_user(app, actor=admin, name="bob")
    users.create_user(app, actor=admin, name="eve")
    bob = user(app, "bob")
    mine = users.create_token(app, actor=bob, user="bob")
    before = snapshot(app)
    with pytest.raises(PermissionDenied, match="only server administrators"):
        users.create_token(app, actor=bob, user="eve")
    assert snapshot(app) == before
    assert [t.token.id for t in users.list_tokens(app, actor=bob)] == [mine.token.id]
    with pytest.raises(PermissionDenied):
        users.list_tokens(app, actor=bob, user="eve")


# --- the command line ---------------------------------------------------------------------


def test_user_and_token_commands(cw: Invoke) -> None:
    ok(cw("org", "list"))  # alice, the first OS user, is the administrator
    ok(cw("org", "create", "Prod"))
    ok(cw("user", "create", "bob"))
    granted = ok(cw("user", "grant", "bob", "Prod", "view_setup", "Deploy Change Sets"))
    assert "bob now holds in Prod: deploy_change_sets, view_setup" in granted.stdout
    listed = {u["name"]: u for u in data(cw("user", "list", "--json"))}
    assert listed["alice"]["admin"] is True and listed["bob"]["admin"] is False
    assert listed["bob"]["permissions"] == {"Prod": ["deploy_change_sets", "view_setup"]}
    made = data(cw("token", "create", "bob", "--org", "Prod", "--expires", "30d", "--json"))
    assert set(made) == {"token", "user", "org"} and (made["user"], made["org"]) == ("bob", "Prod")
    [shown] = data(cw("token", "list", "--json"))
    assert made["token"] not in str(shown) and shown["prefix"] == made["token"][:10]
    ok(cw("token", "revoke", str(shown["id"])))
    assert data(cw("token", "list", "--json"))[0]["revoked_at"] is not None
    ok(cw("user", "revoke", "bob", "Prod", "deploy_change_sets"))
    assert data(cw("user", "list", "--json"))[1]["permissions"] == {"Prod": ["view_setup"]}


def test_as_is_refused_unless_an_administrator_asks(cw: Invoke) -> None:
    ok(cw("org", "create", "Prod"))
    ok(cw("user", "create", "mallory"))
    fails(
        cw("--as", "alice", "connection", "list", "Prod", actor="mallory"),
        "mallory may not act as another user",
    )
    fails(cw("org", "list", actor="eve"), "eve is not a user of this store")
    fails(cw("--as", "mallory", "org", "create", "Other"), "only server administrators may")
    ok(cw("user", "grant", "mallory", "Prod", "view_setup"))
    assert [o["name"] for o in data(cw("--as", "mallory", "org", "list", "--json"))] == ["Prod"]


def test_set_password_reads_standard_input(cw: Invoke, app: App) -> None:
    ok(cw("org", "list"))
    ok(cw("user", "create", "pat", "--password-stdin", stdin="first-password\n"))
    users.authenticate_password(app, name="pat", password="first-password", entrypoint=CLI)
    ok(cw("user", "set-password", "pat", "--password-stdin", stdin="second-password\n"))
    users.authenticate_password(app, name="pat", password="second-password", entrypoint=CLI)
    fails(cw("user", "set-password", "pat"), "--password-stdin")
