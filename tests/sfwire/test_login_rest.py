"""What Salesforce's tools ask at login (docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from tests import helpers
from tests.sfwire.conftest import bearer, session


def test_userinfo_names_the_user_and_the_org_the_token_is_bound_to(
    app: App, wire: TestClient
) -> None:
    token = session(app, "alice", "Dev")
    dev = helpers.org(app, "Dev")
    assert ids.SESSION.fullmatch(token) and token.startswith(ids.org_id(dev.id)[:15] + "!")
    info = wire.get("/services/oauth2/userinfo", headers=bearer(token)).json()
    assert info["organization_id"] == ids.org_id(dev.id)
    assert info["preferred_username"] == "alice"
    user = wire.get(
        f"/services/data/v51.0/sobjects/User/{info['user_id']}", headers=bearer(token)
    ).json()
    assert user["Username"] == "alice"


@pytest.mark.parametrize(("org", "sandbox"), [("Dev", True), ("Prod", False)])
def test_the_organization_query_says_whether_the_org_is_a_sandbox(
    app: App, wire: TestClient, org: str, sandbox: bool
) -> None:
    token = session(app, "ops", org)
    versions = wire.get("/services/data").json()
    assert versions[-1] == {"version": "62.0", "label": "API 62.0", "url": "/services/data/v62.0"}
    q = "SELECT Name, IsSandbox, TrialExpirationDate FROM Organization"
    found = wire.get("/services/data/v62.0/query", params={"q": q}, headers=bearer(token)).json()
    assert found["totalSize"] == 1
    record = found["records"][0]
    assert (record["Name"], record["IsSandbox"], record["TrialExpirationDate"]) == (
        org,
        sandbox,
        None,
    )


def test_the_dev_hub_probe_is_answered_not_a_dev_hub(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    probe = wire.get(
        "/services/data/v51.0/query",
        params={"q": "SELECT Id FROM ScratchOrgInfo limit 1"},
        headers=bearer(token),
    )
    assert probe.status_code == 400
    assert probe.json()[0]["errorCode"] == "INVALID_TYPE"


def test_double_slashes_from_an_instance_url_ending_in_a_slash_are_one(
    app: App, wire: TestClient
) -> None:
    token = session(app, "alice", "Dev")
    url = str(wire.base_url).rstrip("/") + "//services/data/v62.0"
    assert wire.get(url, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("case", ["no token", "unknown", "unbound", "revoked"])
def test_only_a_live_org_bound_token_opens_a_session(app: App, wire: TestClient, case: str) -> None:
    headers = {}
    if case == "unknown":
        headers = bearer("00D000000000000!nope")
    elif case == "unbound":
        headers = bearer(session(app, "alice", None))
    elif case == "revoked":
        token = session(app, "alice", "Dev")
        made = [t for t in helpers_tokens(app) if t.org_id][-1]
        from changeway.services.users import revoke_token

        revoke_token(app, actor=helpers.user(app, "ops"), token_id=made.id)
        headers = bearer(token)
    answer = wire.get("/services/oauth2/userinfo", headers=headers)
    assert answer.status_code == 401
    assert answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    if case == "unbound":
        assert "bound to one org" in answer.json()[0]["message"]


def helpers_tokens(app: App):  # type: ignore[no-untyped-def]
    with app.uow(read_only=True) as uow:
        return uow.tokens.of_user()
