"""Every endpoint of the API, on SQLite and PostgreSQL: the seed scenario driven over HTTP,
with the shapes the CLI's --json prints, problem details for refusals, 202 for jobs."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from changeway.adapters import formats
from changeway.bootstrap import App
from changeway.cli.remote import RemoteClient
from changeway.domain.errors import NotFound, PermissionDenied, Refused
from changeway.operations import OPERATIONS, Download
from tests.api.conftest import MAX_UPLOAD, remote, token_of
from tests.helpers_metadata import apex

CLASSES = "force-app/main/default/classes"


def project(folder: Path, **classes: str) -> Path:
    """A small SFDX project holding Apex classes."""
    (folder / CLASSES).mkdir(parents=True)
    (folder / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "force-app"}]}')
    for name, body in classes.items():
        for path, data in apex(name, body).files.items():
            (folder / path).write_bytes(data)
    return folder


def public_pem() -> str:
    """A fresh RSA public key, as CI registers it for JWT logins."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def test_a_preview_shows_the_problems_that_fail_a_validation_at_the_level_asked(
    admin: RemoteClient, tmp_path: Path
) -> None:
    do = admin.call
    do("org.create", name="Prod", archive=str(project(tmp_path / "p", B="class B { }")))
    for name in ("Dev", "Test"):
        admin.follow(do("sandbox.create", name=name, source="Prod", kind="developer")["id"])
    do("connection.allow", org="Test", source="Dev")
    needy = "public class Needy { void go() { Helper.run(); } }"
    change = project(tmp_path / "d", Needy=needy, Helper="public class Helper { }")
    do("metadata.import", org="Dev", archive=str(change))
    do("changeset.create", org="Dev", name="R1")
    do("changeset.add", org="Dev", name="R1", components=["ApexClass:Needy"])
    do("changeset.upload", org="Dev", name="R1", to="Test")
    previewed = do("inbound.preview", org="Test", ref="R1")["components"]
    problems = {c["name"]: c["problem"] for c in previewed if c["problem"]}
    assert list(problems) == ["Helper"]
    assert problems["Helper"].startswith("missing dependency: needed by ApexClass:Needy")
    validation = do("inbound.validate", org="Test", ref="R1", test_level="RunLocalTests")
    assert admin.follow(validation["job_id"])["status"] == "failed"
    shown = do("deployment.show", deployment_id=validation["id"])
    assert {c["name"]: c["problem"] for c in shown["components"] if c["problem"]} == problems
    assert (shown["test_results"]["level"], shown["test_results"]["status"]) == (
        "run_local_tests",
        "not_run",
    )


class Recorder:
    """A client that remembers which operations it called."""

    def __init__(self, client: RemoteClient, called: set[str]) -> None:
        self.client, self.called = client, called

    def __call__(self, operation: str, **params: Any) -> Any:
        self.called.add(operation)
        return self.client.call(operation, **params)

    def wait(self, job: dict[str, Any]) -> dict[str, Any]:
        self.called.add("job.show")
        return self.client.follow(job["id"])


def test_every_endpoint_through_the_seed_scenario(
    app: App, http: TestClient, admin: RemoteClient, tmp_path: Path
) -> None:
    called: set[str] = set()
    do = Recorder(admin, called)
    prod = do("org.create", name="Prod", archive=str(project(tmp_path / "p", A="class A {}")))
    assert (prod["name"], prod["kind"], prod["components"]) == ("Prod", "production", 1)
    for name in ("Dev", "Test"):
        job = do("sandbox.create", name=name, source="Prod", kind="developer")
        assert job["status"] == "pending" and do.wait(job)["status"] == "succeeded"
    for target, source in (("Prod", "Test"), ("Dev", "Prod"), ("Test", "Dev"), ("Dev", "Test")):
        assert do("connection.allow", org=target, source=source)["allows_inbound"] is True
    assert do("connection.revoke", org="Dev", source="Test")["allows_inbound"] is False
    paths = do("connection.paths", org="Prod")
    assert paths["allows_inbound"]["Prod"] == {"Dev": False, "Test": True}
    assert {c["org"] for c in do("connection.list", org="Dev")} == {"Prod", "Test"}
    assert [o["name"] for o in do("org.list")["items"]] == ["Prod", "Dev", "Test"]
    assert do("org.show", org="Prod/Dev")["name"] == "Dev"
    assert do("org.set", org="Prod", allow_direct_changes=False)["allow_direct_changes"] is False

    change = project(tmp_path / "c", A="class A { /* v2 */ }", B="class B {}")
    imported = do("metadata.import", org="Dev", archive=str(change), message="two classes")
    assert (imported["version"], len(imported["added"]), len(imported["changed"])) == (2, 1, 1)
    assert [c["name"] for c in do("metadata.list", org="Dev")["items"]] == ["A", "B"]
    assert "v2" in do("metadata.show", org="Dev", type="ApexClass", name="A")["files"][0]["content"]
    assert [v["reason"] for v in do("metadata.history", org="Dev")["items"]][-1] == "two classes"
    assert do("metadata.where_used", org="Dev", type="ApexClass", name="B") == []
    diff = do("compare", a="Prod", b="Dev", diff=True)
    assert (len(diff["added"]), len(diff["changed"])) == (1, 1) and diff["changed"][0]["files"]
    export = do("metadata.export", org="Dev", format="mdapi", members=["ApexClass:B"])
    assert isinstance(export, Download) and export.about["components"] == "1"
    with zipfile.ZipFile(export.path) as archive:
        assert "classes/B.cls" in archive.namelist()

    cs = do("changeset.create", org="Dev", name="R1", description="release")
    assert cs["status"] == "open"
    do("changeset.add", org="Dev", name="R1", components=["ApexClass:*"])
    assert [
        c["name"]
        for c in do("changeset.remove", org="Dev", name="R1", components=["ApexClass:B"])[
            "components"
        ]
    ] == ["A"]
    assert do("changeset.deps", org="Dev", name="R1", target="Test") == []
    assert do("changeset.add_deps", org="Dev", name="R1", target="Test") == []
    assert [c["name"] for c in do("changeset.list", org="Dev")["items"]] == ["R1"]
    assert do("changeset.show", org="Dev", name="R1")["description"] == "release"
    inbound = do("changeset.upload", org="Dev", name="R1", to="Test")
    assert (inbound["source"], inbound["target"], inbound["status"]) == (
        "Dev",
        "Test",
        "awaiting_deployment",
    )
    assert do("changeset.clone", org="Dev", name="R1", new_name="R2")["status"] == "open"
    assert [i["name"] for i in do("inbound.list", org="Test")["items"]] == ["R1"]
    assert do("inbound.show", org="Test", ref="R1")["uploaded_by"] == "root"
    assert do("inbound.preview", org="Test", ref="R1")["components"][0]["result"] == "changed"
    validation = do("inbound.validate", org="Test", ref="R1", test_level="RunLocalTests")
    assert do.wait({"id": validation["job_id"]})["status"] == "succeeded"
    quick = do("deployment.quick_deploy", deployment_id=validation["id"])
    assert do.wait({"id": quick["job_id"]})["status"] == "succeeded"
    rollback = do("deployment.rollback", deployment_id=quick["id"])
    do.wait({"id": rollback["job_id"]})
    assert do("deployment.show", deployment_id=rollback["id"])["status"] == "succeeded"
    deploy = do("inbound.deploy", org="Test", ref="R1")
    # Canceled at once while queued; "canceling" if the server's own worker claimed it first.
    assert do("deployment.cancel", deployment_id=deploy["id"])["status"] in {
        "canceled",
        "canceling",
    }
    do.wait({"id": deploy["job_id"]})
    assert do("deployment.show", deployment_id=deploy["id"])["status"] == "canceled"
    kinds = [d["kind"] for d in do("deployment.list", org="Test")["items"]]
    assert kinds == ["validation", "quick_deploy", "rollback", "deployment"]
    assert do("inbound.delete", org="Test", ref="R1")["status"] == "deleted"
    assert do("job.list")["items"][0]["kind"] == "deployment.run"

    made = do("user.create", name="dana", password="a long password")
    assert (made["name"], made["admin"], made["has_password"]) == ("dana", False, True)
    granted = do("user.grant", user="dana", org="Dev", permissions=["View Setup and Configuration"])
    assert granted["permissions"] == {"Prod/Dev": ["view_setup"]}
    do("user.revoke", user="dana", org="Dev", permissions=["view_setup"])
    assert do("user.set_password", user="dana", password="another password")["has_password"]
    assert {u["name"] for u in do("user.list")} == {"root", "dana"}
    assert do("user.me")["name"] == "root"
    token = do("token.create", user="dana", expires="1h")
    assert token["token"].startswith("cwt_") and token["user"] == "dana"
    listed = [t for t in do("token.list") if t["id"] == token["id"]]
    assert listed and "token" not in listed[0]
    assert do("token.revoke", token_id=token["id"])["revoked"] is True
    pem = public_pem()
    key = do("user.jwt_add", user="dana", client_id="ci", certificate=pem)
    assert (key["user"], key["client_id"], len(key["fingerprint"])) == ("dana", "ci", 64)
    assert do("user.jwt_list", user="dana") == [key]
    assert do("user.jwt_remove", user="dana", client_id="ci") == key
    events = do("audit", action="change_set", limit=1000)["items"]
    assert {e["entrypoint"] for e in events} == {"api"} and events[0]["actor"] == "root"
    with pytest.raises(Refused, match="can be refreshed again from"):
        do("sandbox.refresh", org="Dev")
    assert called >= set(OPERATIONS) - {
        "sandbox.activate",
        "sandbox.discard",
        "sandbox.delete",
    }


def test_sandbox_refresh_activate_discard_and_delete(app: App, admin: RemoteClient) -> None:
    admin.call("org.create", name="Prod")
    admin.follow(admin.call("sandbox.create", name="Dev", source="Prod", kind="developer")["id"])
    app.clock.advance(days=2)  # type: ignore[attr-defined]
    job = admin.call("sandbox.refresh", org="Dev")
    assert admin.follow(job["id"])["status"] == "succeeded"
    activated = admin.call("sandbox.activate", org="Dev")
    assert activated["id"] == job["result"]["org_id"] if job["result"] else True
    app.clock.advance(days=2)  # type: ignore[attr-defined]
    admin.follow(admin.call("sandbox.refresh", org="Dev")["id"])
    assert admin.call("sandbox.discard", org="Dev")["name"] == "Dev"
    deleting = admin.call("sandbox.delete", org="Dev")
    assert admin.follow(deleting["id"])["status"] == "succeeded"
    with pytest.raises(NotFound, match="no org named 'Dev'"):
        admin.call("org.show", org="Dev")


def test_long_operations_answer_202_with_a_job(app: App, http: TestClient) -> None:
    token = token_of(app, "root", admin=True)
    headers = {"Authorization": f"Bearer {token}"}
    assert http.post("/orgs", params={"name": "Prod"}, headers=headers).status_code == 200
    answer = http.post(
        "/sandboxes", json={"name": "Dev", "source": "Prod", "kind": "developer"}, headers=headers
    )
    assert answer.status_code == 202 and answer.json()["kind"] == "sandbox.copy"


def test_refusals_are_problem_details_with_a_code(app: App, http: TestClient) -> None:
    missing = http.get("/orgs")
    assert (
        missing.status_code == 401 and missing.headers["content-type"] == "application/problem+json"
    )
    assert (
        missing.json()["code"] == "not_authenticated"
        and "not authenticated" in missing.json()["detail"]
    )
    assert http.get("/orgs", headers={"Authorization": "Bearer nope"}).status_code == 401
    token = token_of(app, "root", admin=True)
    headers = {"Authorization": f"Bearer {token}"}
    unknown = http.get("/orgs/Nope", headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert unknown.json()["detail"] == "no org named 'Nope'"
    bad = http.get("/orgs", params={"limit": "many"}, headers=headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_request")
    assert "Traceback" not in bad.text


def test_a_missing_permission_is_403_and_names_it(
    app: App, http: TestClient, admin: RemoteClient
) -> None:
    admin.call("org.create", name="Prod")
    admin.call("user.create", name="dana")
    admin.call("user.grant", user="dana", org="Prod", permissions=["view_setup"])
    dana = remote(http, token_of(app, "dana"))
    with pytest.raises(PermissionDenied, match="deploy_change_sets") as refused:
        dana.call("connection.allow", org="Prod", source="Prod")
    assert refused.value.details["permission"] == "deploy_change_sets"
    with pytest.raises(Refused):
        admin.call("connection.allow", org="Prod", source="Prod")


def test_uploads_over_the_limit_are_refused_and_change_nothing(
    app: App, http: TestClient, admin: RemoteClient, tmp_path: Path
) -> None:
    big = tmp_path / "big.zip"
    big.write_bytes(b"0" * (MAX_UPLOAD + 1))
    with pytest.raises(Refused, match="over the limit"):
        admin.call("org.create", name="Prod", archive=str(big))
    assert admin.call("org.list")["items"] == []


def test_hostile_uploads_are_refused_over_http(admin: RemoteClient, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("package.xml", "<Package/>")
        archive.writestr("../escape.cls", "class X {}")
    with pytest.raises(Exception, match="escapes"):
        admin.call("org.create", name="Prod", archive=str(bomb))
    assert admin.call("org.list")["items"] == []


def test_an_export_the_file_system_refuses_is_a_clear_refusal(
    admin: RemoteClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin.call("org.create", name="Prod", archive=str(project(tmp_path / "p", A="class A {}")))

    def too_long(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), "A.cls-meta.xml")

    monkeypatch.setattr(formats, "write_source", too_long)
    with pytest.raises(Refused, match=r"^cannot export A.cls-meta.xml: File name too long$"):
        admin.call("metadata.export", org="Prod", format="source", members=None)
    export = admin.call("metadata.export", org="Prod", format="mdapi", members=None)
    assert isinstance(export, Download) and export.about["components"] == "1"
