"""Fixtures for the web UI's route tests: the server's application (API and pages) over the
test's store, on SQLite and PostgreSQL, driven with FastAPI's test client like a client."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from changeway.api.app import create_api
from changeway.bootstrap import App
from changeway.services import users
from changeway.services.demo import REFERENCE_PATHS
from changeway.web.pages import install
from tests.helpers import allow, make_production, make_sandbox, user

PASSWORD = "correct horse battery"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    """A client with a cookie jar, not logged in; jobs are run by the tests, not a worker."""
    api = create_api(app, max_upload=1 << 20, workers=0, pages=install)
    with TestClient(api, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


@pytest.fixture
def family(app: App) -> App:
    """The reference family's orgs and paths (Prod empty, sandboxes Dev and Test), built by
    administrator root, who has a password."""
    root = user(app, "root", admin=True)
    user(app)  # the helpers' default actor, who reads the trail in snapshot()
    make_production(app, actor=root)
    for name in ("Dev", "Test"):
        make_sandbox(app, name, actor=root)
    for target, source in REFERENCE_PATHS:
        allow(app, target, source, actor=root)
    users.set_password(app, actor=root, name="root", password=PASSWORD)
    return app


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, name: str = "root", password: str = PASSWORD) -> str:
    """Log in through the form; returns the CSRF token of the session's forms."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)
