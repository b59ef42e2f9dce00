"""The Metadata API's SOAP endpoint in-process, on SQLite and PostgreSQL (docs/model.md,
"Salesforce's tools"): hardened parsing, faults, and deploys that keep every rule."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from tests import helpers
from tests.sfwire.conftest import MAX_UPLOAD, session

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>{doctype}'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns="http://soap.sforce.com/2006/04/metadata">'
    "<soapenv:Header><SessionHeader><sessionId>{token}</sessionId></SessionHeader>"
    "</soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
)
CLASS_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass xmlns="http://soap.sforce.com/2006/04/'
    b'metadata">\n    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n'
)


def call(wire: TestClient, token: str, body: str, doctype: str = "") -> tuple[int, str]:
    answer = wire.post(
        "/services/Soap/m/62.0",
        content=ENVELOPE.format(doctype=doctype, token=token, body=body).encode(),
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
    )
    return answer.status_code, answer.text


def fault(text: str) -> str:
    found = re.search(r"<faultcode>sf:(\w+)</faultcode>", text)
    return found.group(1) if found else ""


def package(*classes: str) -> bytes:
    members = "".join(f"<members>{c}</members>" for c in classes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?><Package xmlns="http://soap.sforce.com/2006/'
            f'04/metadata"><types>{members}<name>ApexClass</name></types>'
            "<version>62.0</version></Package>",
        )
        for c in classes:
            z.writestr(f"classes/{c}.cls", f"public class {c} {{}}\n")
            z.writestr(f"classes/{c}.cls-meta.xml", CLASS_META)
    return buffer.getvalue()


def deploy_body(zipped: bytes, *, check_only: bool = False, rollback: bool = True) -> str:
    return (
        f"<deploy><ZipFile>{base64.b64encode(zipped).decode()}</ZipFile><DeployOptions>"
        f"<checkOnly>{str(check_only).lower()}</checkOnly>"
        f"<rollbackOnError>{str(rollback).lower()}</rollbackOnError>"
        "<singlePackage>true</singlePackage></DeployOptions></deploy>"
    )


def status(wire: TestClient, token: str, deploy_id: str) -> str:
    code, text = call(
        wire,
        token,
        f"<checkDeployStatus><asyncProcessId>{deploy_id}</asyncProcessId>"
        "<includeDetails>true</includeDetails></checkDeployStatus>",
    )
    assert code == 200, text
    return text


def deployed_id(text: str) -> str:
    found = re.search(r"<id>(0Af\w+)</id>", text)
    assert found, text
    return found.group(1)


def test_a_deploy_is_a_direct_deployment_with_a_deploy_result(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    code, text = call(wire, token, deploy_body(package("Hello")))
    assert code == 200 and "<state>Queued</state>" in text
    deploy_id = deployed_id(text)
    assert "<status>Pending</status>" in status(wire, token, deploy_id)
    helpers.run_jobs(app)
    result = status(wire, token, deploy_id)
    assert "<status>Succeeded</status>" in result and "<success>true</success>" in result
    assert "<fullName>Hello</fullName><fileName>classes/Hello.cls</fileName>" in result
    assert "<created>true</created>" in result
    with app.uow(read_only=True) as uow:
        [d] = uow.deployments.of_org([helpers.org(app, "Dev").id])
    assert d.is_direct and d.created_by == "alice"
    assert ids.numbered(ids.DEPLOY_REQUEST, d.id) == deploy_id
    assert "deployment.requested" in [
        e.action for e in helpers.trail(app, "Dev") if e.entrypoint == "sf" and e.user == "alice"
    ]


def test_production_refuses_a_direct_deploy_naming_change_sets(app: App, wire: TestClient) -> None:
    code, text = call(wire, session(app, "ops", "Prod"), deploy_body(package("Hello")))
    assert (code, fault(text)) == (500, "INVALID_OPERATION")
    assert "Prod refuses direct metadata changes" in text and "change sets" in text
    with app.uow(read_only=True) as uow:
        assert uow.deployments.of_org([helpers.org(app, "Prod").id]) == []


def test_deploying_needs_modify_metadata(app: App, wire: TestClient) -> None:
    code, text = call(wire, session(app, "bob", "Dev"), deploy_body(package("Hello")))
    assert (code, fault(text)) == (500, "INSUFFICIENT_ACCESS")
    assert "modify_metadata" in text


def test_rollback_on_error_false_is_refused(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    code, text = call(wire, token, deploy_body(package("Hello"), rollback=False))
    assert (code, fault(text)) == (500, "INVALID_OPERATION")
    assert "rollbackOnError=false is not supported" in text


def test_a_deploy_id_of_another_org_is_not_found(app: App, wire: TestClient) -> None:
    dev = session(app, "ops", "Dev")
    _, text = call(wire, dev, deploy_body(package("Hello")))
    code, text = call(
        wire,
        session(app, "ops", "Prod"),
        f"<checkDeployStatus><asyncProcessId>{deployed_id(text)}</asyncProcessId>"
        "</checkDeployStatus>",
    )
    assert (code, fault(text)) == (500, "INVALID_CROSS_REFERENCE_KEY")


@pytest.mark.parametrize(
    ("doctype", "body", "code"),
    [
        ('<!DOCTYPE x [<!ENTITY e "boom">]>', "<describeMetadata/>", "INVALID_SOAP_REQUEST"),
        ('<!DOCTYPE x SYSTEM "file:///etc/passwd">', "<describeMetadata/>", "INVALID_SOAP_REQUEST"),
        ("", "<describeMetadata><x>&e;</x></describeMetadata>", "INVALID_SOAP_REQUEST"),
        ("", "<describeMetadata/><listMetadata/>", "INVALID_SOAP_REQUEST"),
        ("", "<readMetadata/>", "INVALID_OPERATION"),
        ("", "<deploy><ZipFile>%%%</ZipFile></deploy>", "INVALID_FIELD"),
    ],
)
def test_hostile_or_unknown_requests_get_a_fault_and_change_nothing(
    app: App, wire: TestClient, doctype: str, body: str, code: str
) -> None:
    before = helpers.snapshot(app)
    status_code, text = call(wire, session(app, "alice", "Dev"), body, doctype)
    assert (status_code, fault(text)) == (500, code)
    assert "<faultstring>" in text and "boom" not in text and "root:" not in text
    assert helpers.snapshot(app)[:-1] == before[:-1]


def test_a_bad_session_and_an_oversized_request_are_refused(app: App, wire: TestClient) -> None:
    code, text = call(wire, "00D000000000000!nope", "<describeMetadata/>")
    assert (code, fault(text)) == (500, "INVALID_SESSION_ID")
    huge = "<deploy><ZipFile>" + "A" * (MAX_UPLOAD * 2) + "</ZipFile></deploy>"
    code, _text = call(wire, session(app, "alice", "Dev"), huge)
    assert code == 413


def test_validate_then_quick_deploy_a_direct_validation(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    _, text = call(wire, token, deploy_body(package("Hello"), check_only=True))
    validation = deployed_id(text)
    helpers.run_jobs(app)
    assert "<checkOnly>true</checkOnly>" in status(wire, token, validation)
    code, text = call(
        wire,
        token,
        f"<deployRecentValidation><validationId>{validation}</validationId>"
        "</deployRecentValidation>",
    )
    assert code == 200, text
    quick = re.search(r"<result>(0Af\w+)</result>", text)
    assert quick and quick.group(1) != validation
    helpers.run_jobs(app)
    assert "<status>Succeeded</status>" in status(wire, token, quick.group(1))


def test_retrieve_and_list_metadata_and_describe(app: App, wire: TestClient) -> None:
    token = session(app, "alice", "Dev")
    call(wire, token, deploy_body(package("Hello", "World")))
    helpers.run_jobs(app)
    _, text = call(
        wire,
        token,
        "<retrieve><retrieveRequest><apiVersion>62.0</apiVersion><singlePackage>false"
        "</singlePackage><unpackaged><types><members>Hello</members><members>Gone</members>"
        "<name>ApexClass</name></types><version>62.0</version></unpackaged></retrieveRequest>"
        "</retrieve>",
    )
    retrieve_id = re.search(r"<id>(09S\w+)</id>", text)
    assert retrieve_id, text
    code, text = call(
        wire,
        token,
        f"<checkRetrieveStatus><asyncProcessId>{retrieve_id.group(1)}</asyncProcessId>"
        "<includeZip>true</includeZip></checkRetrieveStatus>",
    )
    assert code == 200
    zipped = re.search(r"<zipFile>([^<]+)</zipFile>", text)
    assert zipped
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(zipped.group(1)))).namelist()
    assert sorted(names) == [
        "unpackaged/classes/Hello.cls",
        "unpackaged/classes/Hello.cls-meta.xml",
        "unpackaged/package.xml",
    ]
    assert "named &apos;Gone&apos; cannot be found" in text or "named 'Gone' cannot be found" in (
        text
    )

    _, text = call(
        wire,
        token,
        "<listMetadata><queries><type>ApexClass</type></queries><asOfVersion>62.0"
        "</asOfVersion></listMetadata>",
    )
    assert re.findall(r"<fullName>(\w+)</fullName>", text) == ["Hello", "World"]
    assert "<lastModifiedByName>alice</lastModifiedByName>" in text
    _, text = call(
        wire, token, "<describeMetadata><asOfVersion>62.0</asOfVersion></describeMetadata>"
    )
    assert (
        "<xmlName>ApexClass</xmlName>" in text and "<directoryName>classes</directoryName>" in text
    )
