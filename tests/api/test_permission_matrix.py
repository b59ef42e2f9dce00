"""The permission matrix: every endpoint x every permission (and none, and a bad token).
Exactly the calls the held permissions allow succeed; every refused one changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from changeway.api.app import create_api
from changeway.bootstrap import App
from changeway.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from changeway.domain.permissions import Permission
from changeway.operations import OPERATIONS
from changeway.services import users
from tests.api.conftest import MAX_UPLOAD, remote, token_of
from tests.api.test_endpoints import project, public_pem
from tests.helpers import allow, make_production, make_sandbox, run_jobs, snapshot, user
from tests.helpers_metadata import apex, change_set, deploy, put

P = Permission

Held = frozenset[Permission]


def view(*orgs_: str) -> Callable[[Held], bool]:
    return lambda held: P.VIEW_SETUP in held


def needs(*perms: Permission) -> Callable[[Held], bool]:
    """Allowed with view_setup and one of ``perms`` (held in every org here)."""
    return lambda held: P.VIEW_SETUP in held and any(p in held for p in perms)


def anyone(held: Held) -> bool:
    return True


def admin_only(held: Held) -> bool:
    return False


@dataclass(frozen=True)
class Call:
    op: str
    allowed: Callable[[Held], bool]
    params: Callable[[Path, dict[str, Any]], dict[str, Any]]
    runs_job: bool = False


def p(**values: Any) -> Callable[[Path, dict[str, Any]], dict[str, Any]]:
    return lambda _tmp, _seed: values


SCRIPT = [
    Call("org.list", anyone, p()),
    Call("org.show", view(), p(org="Dev")),
    Call("org.create", admin_only, p(name="Other")),
    Call("org.set", admin_only, p(org="Dev", allow_direct_changes=True)),
    Call(
        "sandbox.create",
        needs(P.MANAGE_SANDBOXES, P.MANAGE_DEV_SANDBOXES),
        p(name="New", source="Prod", kind="developer"),
        runs_job=True,
    ),
    Call(
        "sandbox.refresh",
        needs(P.MANAGE_SANDBOXES, P.MANAGE_DEV_SANDBOXES),
        p(org="Box"),
        runs_job=True,
    ),
    Call("sandbox.discard", needs(P.MANAGE_SANDBOXES, P.MANAGE_DEV_SANDBOXES), p(org="Box")),
    Call(
        "sandbox.refresh",
        needs(P.MANAGE_SANDBOXES, P.MANAGE_DEV_SANDBOXES),
        p(org="Box"),
        runs_job=True,
    ),
    Call("sandbox.activate", needs(P.MANAGE_SANDBOXES, P.MANAGE_DEV_SANDBOXES), p(org="Box")),
    Call(
        "sandbox.delete",
        needs(P.MANAGE_SANDBOXES, P.MANAGE_DEV_SANDBOXES),
        p(org="Box"),
        runs_job=True,
    ),
    Call("connection.list", view(), p(org="Dev")),
    Call("connection.paths", view(), p(org="Prod")),
    Call("connection.allow", needs(P.DEPLOY_CHANGE_SETS), p(org="Prod", source="Dev")),
    Call("connection.revoke", needs(P.DEPLOY_CHANGE_SETS), p(org="Prod", source="Dev")),
    Call("job.list", anyone, p()),
    Call("job.show", view(), lambda _t, seed: {"job_id": seed["job"]}),
    Call(
        "metadata.import",
        needs(P.MODIFY_METADATA),
        lambda tmp, _s: {"org": "Dev", "archive": str(project(tmp / "m", C="class C {}"))},
    ),
    Call("metadata.export", view(), p(org="Dev", format="source")),
    Call("metadata.list", view(), p(org="Dev")),
    Call("metadata.show", view(), p(org="Dev", type="ApexClass", name="A")),
    Call("metadata.where_used", view(), p(org="Dev", type="ApexClass", name="A")),
    Call("metadata.history", view(), p(org="Dev")),
    Call("compare", view(), p(a="Prod", b="Dev")),
    Call("changeset.create", needs(P.CREATE_UPLOAD_CHANGE_SETS), p(org="Dev", name="M")),
    Call(
        "changeset.add",
        needs(P.CREATE_UPLOAD_CHANGE_SETS),
        p(org="Dev", name="M", components=["ApexClass:A", "ApexClass:B"]),
    ),
    Call(
        "changeset.remove",
        needs(P.CREATE_UPLOAD_CHANGE_SETS),
        p(org="Dev", name="M", components=["ApexClass:B"]),
    ),
    Call("changeset.deps", view(), p(org="Dev", name="Seed")),
    Call("changeset.add_deps", needs(P.CREATE_UPLOAD_CHANGE_SETS), p(org="Dev", name="M")),
    Call("changeset.list", view(), p(org="Dev")),
    Call("changeset.show", view(), p(org="Dev", name="Seed")),
    Call(
        "changeset.clone",
        needs(P.CREATE_UPLOAD_CHANGE_SETS),
        p(org="Dev", name="Seed", new_name="Seed2"),
    ),
    Call("changeset.upload", needs(P.CREATE_UPLOAD_CHANGE_SETS), p(org="Dev", name="M", to="Test")),
    Call("inbound.list", view(), p(org="Test")),
    Call("inbound.show", view(), p(org="Test", ref="Seed")),
    Call("inbound.preview", view(), p(org="Test", ref="Seed")),
    Call("inbound.validate", needs(P.DEPLOY_CHANGE_SETS), p(org="Test", ref="Seed"), runs_job=True),
    Call(
        "deployment.quick_deploy",
        needs(P.DEPLOY_CHANGE_SETS),
        lambda _t, seed: {"deployment_id": seed["validation"]},
        runs_job=True,
    ),
    Call(
        "deployment.rollback",
        needs(P.DEPLOY_CHANGE_SETS),
        lambda _t, seed: {"deployment_id": seed["deployment"]},
        runs_job=True,
    ),
    Call("inbound.deploy", needs(P.DEPLOY_CHANGE_SETS), p(org="Test", ref="Other")),
    Call(
        "deployment.cancel",
        needs(P.DEPLOY_CHANGE_SETS),
        lambda _t, seed: {"deployment_id": seed.get("last", seed["deployment"])},
    ),
    Call("deployment.list", view(), p(org="Test")),
    Call("deployment.show", view(), lambda _t, seed: {"deployment_id": seed["deployment"]}),
    Call("inbound.delete", needs(P.DEPLOY_CHANGE_SETS), p(org="Test", ref="Seed")),
    Call("audit", anyone, p()),
    Call("user.list", anyone, p()),
    Call("user.me", anyone, p()),
    Call("user.create", admin_only, p(name="newbie")),
    Call(
        "user.grant", needs(P.MANAGE_USERS), p(user="dana", org="Dev", permissions=["view_setup"])
    ),
    Call(
        "user.revoke", needs(P.MANAGE_USERS), p(user="dana", org="Dev", permissions=["view_setup"])
    ),
    Call("user.set_password", anyone, p(user="member", password="long enough password")),
    Call("user.jwt_list", anyone, p()),
    Call("user.jwt_add", admin_only, p(user="member", client_id="ci", certificate=public_pem())),
    Call("user.jwt_remove", admin_only, p(user="member", client_id="ci")),
    Call("token.list", anyone, p()),
    Call("token.create", anyone, p(user="member")),
    Call("token.revoke", anyone, lambda _t, seed: {"token_id": seed["token"]}),
]

LEVELS = ["bad token", "none", *[perm.value for perm in Permission], "admin"]


@pytest.fixture
def backend() -> str:
    """The matrix is about permissions, not storage: SQLite is enough (the endpoint tests run
    on both backends)."""
    return "sqlite"


def seed(app: App) -> dict[str, Any]:
    """The reference family, a sandbox to manage, a change set uploaded to Test, a
    validation and a deployment of it, and a member with a token."""
    make_production(app, "Prod")
    put(app, "Prod", [apex("A"), apex("B")])
    make_sandbox(app, "Dev")
    make_sandbox(app, "Test")
    make_sandbox(app, "Box")
    for target, source in (("Prod", "Test"), ("Dev", "Prod"), ("Test", "Dev")):
        allow(app, target, source)
    put(app, "Dev", [apex("A", "class A { /* v2 */ }")])
    change_set(app, "Dev", "Seed", "ApexClass:A", target="Test")
    change_set(app, "Dev", "Other", "ApexClass:B", target="Test")
    deployed = deploy(app, "Test", "Other")
    validation = deploy(app, "Test", "Seed", check_only=True)
    app.clock.advance(days=2)  # type: ignore[attr-defined]
    user(app, "dana", admin=False)
    with app.uow(read_only=True) as uow:
        job = uow.jobs.list(limit=1)[0].id
    return {"validation": validation.id, "deployment": deployed.id, "job": job}


@pytest.mark.parametrize("level", LEVELS)
def test_exactly_the_allowed_calls_succeed(app: App, level: str, tmp_path: Path) -> None:
    seeded = seed(app)
    # Jobs run here, between calls (no worker thread), so that each call sees the last done.
    http = TestClient(create_api(app, max_upload=MAX_UPLOAD, workers=0))
    user(app, "root")
    if level == "admin":
        held: Held = frozenset(Permission)
        token = token_of(app, "member", admin=True)
    else:
        held = (
            frozenset()
            if level in ("bad token", "none")
            else frozenset({P(level)} | ({P.VIEW_SETUP}))
        )
        member = user(
            app,
            "member",
            admin=False,
            grants={o: list(held) for o in ("Prod", "Dev", "Test", "Box")},
        )
        token = "cwt_bad" if level == "bad token" else token_of(app, member.name)
    client = remote(http, token)
    seeded["token"] = users.create_token(app, actor=user(app, "root"), user="member").token.id
    outcomes: dict[str, str] = {}
    for step, call in enumerate(SCRIPT):
        params = call.params(tmp_path / str(step), seeded)
        expected = level == "admin" or (level != "bad token" and call.allowed(held))
        before = snapshot(app)
        try:
            result = client.call(call.op, **params)
        except (NotAuthenticated, PermissionDenied, NotFound) as refusal:
            assert not expected, f"{call.op} refused at level {level}: {refusal}"
            if level == "bad token":
                assert isinstance(refusal, NotAuthenticated)
            assert snapshot(app) == before, f"{call.op} changed something while refused"
            outcomes[call.op] = "refused"
            continue
        assert expected, f"{call.op} succeeded at level {level} without its permission"
        outcomes[call.op] = "allowed"
        if call.op == "inbound.deploy":
            seeded["last"] = result["id"]
        if call.runs_job:
            run_jobs(app)
    assert set(outcomes) == set(OPERATIONS)
