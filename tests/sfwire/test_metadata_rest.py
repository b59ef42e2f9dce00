"""The Metadata REST deploy endpoint in-process, on SQLite and PostgreSQL (docs/model.md,
"Salesforce's tools"): the same deploys and rules as over SOAP, in JSON."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from tests import helpers
from tests.sfwire.conftest import MAX_UPLOAD, bearer, session
from tests.sfwire.test_metadata_soap import package

URL = "/services/data/v62.0/metadata/deployRequest"


def start(wire: TestClient, token: str, zipped: bytes, **options: Any) -> Any:
    """A deploy as jsforce's deployRest sends it: parts ``file`` and ``entity_content``."""
    return wire.post(
        URL,
        files={
            "file": ("package.xml", zipped, "application/zip"),
            "entity_content": (None, json.dumps({"deployOptions": options}), "application/json"),
        },
        headers=bearer(token),
    )


def result(wire: TestClient, token: str, deploy_id: str) -> dict[str, Any]:
    answer = wire.get(
        f"{URL}/{deploy_id}", params={"includeDetails": "true"}, headers=bearer(token)
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()["deployResult"]
    return body


def deployments(app: App, org: str) -> list[Any]:
    with app.uow(read_only=True) as uow:
        return list(uow.deployments.of_org([helpers.org(app, org).id]))


def test_a_rest_deploy_is_a_direct_deployment_with_the_soap_deploy_result(
    app: App, wire: TestClient
) -> None:
    token = session(app, "alice", "Dev")
    answer = start(wire, token, package("Hello"), rollbackOnError=True, singlePackage=True)
    assert answer.status_code == 201, answer.text
    deploy_id = answer.json()["id"]
    assert deploy_id.startswith(ids.DEPLOY_REQUEST) and len(deploy_id) == 18
    assert result(wire, token, deploy_id)["status"] == "Pending"
    helpers.run_jobs(app)
    done = result(wire, token, deploy_id)
    assert (done["status"], done["success"], done["done"], done["checkOnly"]) == (
        "Succeeded",
        True,
        True,
        False,
    )
    hello = [c for c in done["details"]["componentSuccesses"] if c["fullName"] == "Hello"]
    assert hello == [
        {
            "componentType": "ApexClass",
            "fullName": "Hello",
            "fileName": "classes/Hello.cls",
            "created": True,
            "changed": False,
            "deleted": False,
            "success": True,
        }
    ]
    [d] = deployments(app, "Dev")
    assert d.is_direct and d.created_by == "alice"


def test_validate_then_quick_deploy_over_rest(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    validation = start(wire, token, package("Quick"), checkOnly=True).json()["id"]
    helpers.run_jobs(app)
    assert result(wire, token, validation)["checkOnly"] is True
    quick = wire.post(URL, json={"validatedDeployRequestId": validation}, headers=bearer(token))
    assert quick.status_code == 201, quick.text
    helpers.run_jobs(app)
    assert result(wire, token, quick.json()["id"])["status"] == "Succeeded"
    again = wire.post(URL, json={"validatedDeployRequestId": validation}, headers=bearer(token))
    assert again.status_code >= 400 and again.json()[0]["errorCode"]


def test_cancel_by_patch_cancels_a_queued_deploy(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    deploy_id = start(wire, token, package("Late")).json()["id"]
    bad = wire.patch(
        f"{URL}/{deploy_id}", json={"deployResult": {"status": "Done"}}, headers=bearer(token)
    )
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"
    canceled = wire.patch(
        f"{URL}/{deploy_id}", json={"deployResult": {"status": "Canceling"}}, headers=bearer(token)
    )
    assert canceled.status_code == 202, canceled.text
    helpers.run_jobs(app)
    assert result(wire, token, deploy_id)["status"] == "Canceled"
    assert "Late" not in {
        c.key.name
        for d in deployments(app, "Dev")
        for c in d.components
        if c.outcome.value != "failed"
    }


def test_rest_deploys_keep_the_rules_and_refusals_change_nothing(
    app: App, wire: TestClient
) -> None:
    cases = [
        (
            session(app, "ops", "Prod"),
            package("A"),
            {},
            400,
            "Prod refuses direct metadata changes",
        ),
        (session(app, "bob", "Dev"), package("A"), {}, 403, "modify_metadata"),
        (
            session(app, "alice", "Dev"),
            package("A"),
            {"rollbackOnError": False},
            400,
            "rollbackOnError=false",
        ),
        (session(app, "alice", "Dev"), b"not a zip", {}, 400, "zip"),
        (
            session(app, "alice", "Dev"),
            package("A"),
            {"checkOnly": "maybe"},
            400,
            "checkOnly must be true or false",
        ),
        (
            session(app, "alice", "Dev"),
            package("A"),
            {"testLevel": "Everything"},
            400,
            "Everything",
        ),
    ]
    for token, zipped, options, code, message in cases:
        answer = start(wire, token, zipped, **options)
        assert answer.status_code == code, (message, answer.text)
        assert message in answer.json()[0]["message"], answer.text
    assert deployments(app, "Dev") == [] and deployments(app, "Prod") == []
    token = session(app, "alice", "Dev")
    big = start(wire, token, b"0" * (MAX_UPLOAD + 1))
    assert big.status_code == 413
    plain = wire.post(
        URL, content=b"zip", headers={**bearer(token), "Content-Type": "application/zip"}
    )
    assert plain.json()[0]["errorCode"] == "INVALID_CONTENT_TYPE"
    nothing = wire.post(URL, json={}, headers=bearer(token))
    assert nothing.status_code == 400
    assert start(wire, "00Dxxxxxxxxxxxx!nope", package("A")).status_code == 401
    assert deployments(app, "Dev") == []


def test_a_deploy_id_of_another_org_is_not_found_over_rest(app: App, wire: TestClient) -> None:
    ops_dev = session(app, "ops", "Dev")
    deploy_id = start(wire, ops_dev, package("Mine")).json()["id"]
    other = wire.get(f"{URL}/{deploy_id}", headers=bearer(session(app, "ops", "Prod")))
    assert other.status_code == 404
    assert other.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
