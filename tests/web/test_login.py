"""Logging in and out of the web UI: the login contract, sessions stored in the database,
expiry, and CSRF tokens on every form (docs/model.md, "Web UI")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from changeway.bootstrap import App
from changeway.domain.clock import FixedClock
from tests.helpers import actions, snapshot
from tests.web.conftest import PASSWORD, csrf_of, log_in


def test_login_form_has_the_contracted_fields_and_redirects_to_the_org_list(
    family: App, client: TestClient
) -> None:
    form = client.get("/login")
    assert form.status_code == 200
    assert 'name="username"' in form.text and 'name="password"' in form.text
    response = client.post(
        "/login",
        data={"username": "root", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    orgs = client.get("/")
    assert orgs.status_code == 200 and "<h1>Orgs</h1>" in orgs.text
    assert all(f">{name}</a>" in orgs.text for name in ("Prod", "Dev", "Test"))
    assert "user.logged_in" in actions(family)


def test_pages_need_a_session_and_return_where_they_were_asked(
    family: App, client: TestClient
) -> None:
    response = client.get("/orgs/Dev/deployment-settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/orgs/Dev/deployment-settings"
    form = client.get(response.headers["location"])
    back = client.post(
        "/login",
        data={
            "username": "root",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "/orgs/Dev/deployment-settings",
        },
    )
    assert back.headers["location"] == "/orgs/Dev/deployment-settings"


def test_a_login_never_sends_the_browser_to_another_site(family: App, client: TestClient) -> None:
    form = client.get("/login?next=//evil.example/")
    assert 'value="/"' in form.text
    response = client.post(
        "/login",
        data={
            "username": "root",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def test_a_wrong_password_is_refused_and_opens_no_session(family: App, client: TestClient) -> None:
    before = snapshot(family)
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "root", "password": "wrong password", "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 401
    assert "Unknown user or wrong password." in response.text
    assert "changeway_session" not in client.cookies
    assert client.get("/").status_code == 303
    assert snapshot(family) == before


def test_a_login_form_without_its_csrf_token_is_refused(family: App, client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "root", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF token is missing" in response.text
    assert "changeway_session" not in client.cookies


def test_a_session_expires(family: App, client: TestClient, clock: FixedClock) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    clock.advance(hours=11, minutes=59)
    assert client.get("/").status_code == 200
    clock.advance(minutes=2)
    response = client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/")


def test_logging_out_ends_the_session_in_the_store(family: App, client: TestClient) -> None:
    csrf = log_in(client)
    secret = client.cookies["changeway_session"]
    response = client.post("/logout", data={"csrf_token": csrf})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    client.cookies.set("changeway_session", secret)  # a copy of the cookie is worth nothing
    assert client.get("/").status_code == 303
    assert actions(family)[-1] == "user.logged_out"


def test_a_logout_without_its_csrf_token_is_refused(family: App, client: TestClient) -> None:
    log_in(client)
    response = client.post("/logout", data={})
    assert response.status_code == 403
    assert client.get("/").status_code == 200
