"""Fixtures for API tests: the application over the test's store (SQLite and PostgreSQL),
reached through the same client the remote CLI uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from changeway.api.app import create_api
from changeway.bootstrap import App
from changeway.cli.remote import RemoteClient
from changeway.services import users
from tests.helpers import user

MAX_UPLOAD = 2 << 20


@pytest.fixture
def http(app: App) -> Iterator[TestClient]:
    """Plain HTTP against the API (no token)."""
    with TestClient(create_api(app, max_upload=MAX_UPLOAD), raise_server_exceptions=False) as c:
        yield c


def token_of(app: App, name: str, *, admin: bool = False) -> str:
    """A fresh API token for user ``name`` (created when new)."""
    user(app, name, admin=admin)
    return users.create_token(app, actor=user(app, "root"), user=name).secret


def remote(http: TestClient, token: str) -> RemoteClient:
    """The remote CLI's client, talking to the test application."""
    return RemoteClient(str(http.base_url), token, http=http, poll_seconds=0.01)


@pytest.fixture
def admin(app: App, http: TestClient) -> RemoteClient:
    """An administrator's client."""
    return remote(http, token_of(app, "root", admin=True))
