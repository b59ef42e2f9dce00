"""The Salesforce-shaped endpoints over the test's store (SQLite and PostgreSQL), in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from changeway.api.app import create_api
from changeway.bootstrap import App
from changeway.domain.permissions import Permission
from changeway.services import users
from changeway.sfwire import mount
from tests import helpers

MAX_UPLOAD = 2 << 20


@pytest.fixture
def wire(app: App) -> Iterator[TestClient]:
    """Prod, Dev (a developer sandbox); alice may see and change Dev; bob may see Dev."""
    ops = helpers.user(app, "ops")
    helpers.make_production(app, "Prod", actor=ops)
    helpers.make_sandbox(app, "Dev", actor=ops)
    view, modify = Permission.VIEW_SETUP, Permission.MODIFY_METADATA
    helpers.user(app, "alice", admin=False, grants={"Dev": [view, modify]})
    helpers.user(app, "bob", admin=False, grants={"Dev": [view]})
    api = create_api(app, max_upload=MAX_UPLOAD, workers=0)
    mount(api, app, max_upload=MAX_UPLOAD)
    with TestClient(api, raise_server_exceptions=False) as client:
        yield client


def session(app: App, name: str, org: str | None) -> str:
    """A fresh token of ``name``, bound to ``org``."""
    return users.create_token(app, actor=helpers.user(app, "ops"), user=name, org=org).secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
