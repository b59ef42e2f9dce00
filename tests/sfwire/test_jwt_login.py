"""JWT bearer logins, as `sf org login jwt` sends them (docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from changeway.domain.clock import FixedClock
from changeway.domain.errors import NotFound, PermissionDenied, Refused
from changeway.services import audit, jwt_logins
from tests import helpers
from tests.sfwire.conftest import bearer

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT = "3MVG9CI.consumer-key"
LOGIN = "http://testserver/org/Prod/Dev/"


def key_pair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(key: rsa.RSAPrivateKey) -> bytes:
    """A self-signed certificate of ``key``, as an administrator would register it."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ci")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def assertion(key: Any, clock: FixedClock, **claims: Any) -> str:
    """An assertion as the client signs it: ``exp`` in milliseconds, 300 ms ahead."""
    body = {
        "iss": CLIENT,
        "sub": "alice",
        "aud": LOGIN,
        "exp": int(clock.now().timestamp() * 1000) + 300,
        **claims,
    }
    return jwt.encode(
        body, key, algorithm="RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
    )


def token_request(
    wire: TestClient, signed: str, url: str = "/org/Prod/Dev//services/oauth2/token"
) -> Any:
    return wire.post(url, data={"grant_type": GRANT, "assertion": signed})


@pytest.fixture
def alice_key(app: App, wire: TestClient) -> rsa.RSAPrivateKey:
    """alice's CI key, registered by ops for CLIENT."""
    key = key_pair()
    jwt_logins.add_key(
        app, actor=helpers.user(app, "ops"), user="alice", client_id=CLIENT, pem=certificate(key)
    )
    return key


def test_a_signed_assertion_opens_a_session_in_the_org_the_login_url_names(
    app: App, wire: TestClient, clock: FixedClock, alice_key: rsa.RSAPrivateKey
) -> None:
    answer = token_request(wire, assertion(alice_key, clock))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    dev = helpers.org(app, "Dev")
    assert body["instance_url"] == "http://testserver"
    assert body["id"].startswith(f"http://testserver/id/{ids.org_id(dev.id)}/005")
    info = wire.get("/services/oauth2/userinfo", headers=bearer(body["access_token"])).json()
    assert (info["preferred_username"], info["organization_id"]) == ("alice", ids.org_id(dev.id))
    [login] = [e for e in audit_of(app) if e.action == "user.jwt_login"]
    assert (login.user, login.org_name, login.entrypoint) == ("alice", "Dev", "sf")
    assert login.details["client_id"] == CLIENT


def test_exp_in_seconds_and_a_chunked_body_are_accepted(
    app: App, wire: TestClient, clock: FixedClock, alice_key: rsa.RSAPrivateKey
) -> None:
    signed = assertion(alice_key, clock, exp=int(clock.now().timestamp()) + 60)
    form = f"grant_type={GRANT}&assertion={signed}".encode()
    answer = wire.post(
        "/org/Prod/Dev/services/oauth2/token",
        content=iter([form[:40], form[40:]]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("change", "description"),
    [
        ({"exp_ms": -120_000}, "expired authorization: the assertion's exp has passed"),
        ({"exp_ms": 3_600_000}, "exp is more than 5 minutes ahead"),
        ({"key": "other"}, "the signature does not match the key registered"),
        (
            {"iss": "unknown-client"},
            "no key is registered for client id unknown-client and user alice",
        ),
        ({"sub": "bob"}, "no key is registered for client id 3MVG9CI.consumer-key and user bob"),
        (
            {"sub": "nobody"},
            "no key is registered for client id 3MVG9CI.consumer-key and user nobody",
        ),
        ({"aud": "http://testserver/org/Prod/"}, "is not this org's login URL"),
        ({"aud": "https://login.salesforce.com"}, "is not this org's login URL"),
        ({"key": "ec"}, "The specified alg value is not allowed"),
    ],
)
def test_a_bad_assertion_is_invalid_grant_and_opens_nothing(
    app: App,
    wire: TestClient,
    clock: FixedClock,
    alice_key: rsa.RSAPrivateKey,
    change: dict[str, Any],
    description: str,
) -> None:
    helpers.user(app, "bob")
    claims = {k: v for k, v in change.items() if k in ("iss", "sub", "aud")}
    if "exp_ms" in change:
        claims["exp"] = int(clock.now().timestamp() * 1000) + change["exp_ms"]
    key: Any = {"other": key_pair(), "ec": ec.generate_private_key(ec.SECP256R1())}.get(
        change.get("key", ""), alice_key
    )
    before = audit_of(app)
    answer = token_request(wire, assertion(key, clock, **claims))
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_grant" and description in body["error_description"], body
    assert audit_of(app) == before


def test_the_login_url_must_name_an_org_the_user_may_see(
    app: App, wire: TestClient, clock: FixedClock, alice_key: rsa.RSAPrivateKey
) -> None:
    plain = token_request(
        wire, assertion(alice_key, clock, aud="http://testserver/"), "/services/oauth2/token"
    )
    assert plain.status_code == 400 and "names no org" in plain.json()["error_description"]
    prod = token_request(
        wire,
        assertion(alice_key, clock, aud="http://testserver/org/Prod/"),
        "/org/Prod/services/oauth2/token",
    )
    assert prod.json() == {
        "error": "invalid_grant",
        "error_description": "alice may not log in to Prod",
    }
    other = wire.post("/org/Prod/Dev/services/oauth2/token", data={"grant_type": "password"})
    assert other.json()["error"] == "unsupported_grant_type"


def test_registering_listing_and_removing_keys_is_for_administrators_and_audited(
    app: App, wire: TestClient, clock: FixedClock
) -> None:
    ops, alice = helpers.user(app, "ops"), helpers.user(app, "alice")
    key = key_pair()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(PermissionDenied, match="only server administrators may"):
        jwt_logins.add_key(app, actor=alice, user="alice", client_id=CLIENT, pem=public)
    added = jwt_logins.add_key(app, actor=ops, user="alice", client_id=CLIENT, pem=public)
    assert len(added.key.fingerprint) == 64
    with pytest.raises(Refused, match="already has a key for client id"):
        jwt_logins.add_key(app, actor=ops, user="alice", client_id=CLIENT, pem=certificate(key))
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for pem, why in (
        (private, "that is a private key"),
        (b"hello", "not a PEM certificate or public key"),
        (rsa_pem(1024), "at least 2048 are needed"),
    ):
        with pytest.raises(Refused, match=why):
            jwt_logins.add_key(app, actor=ops, user="alice", client_id="other", pem=pem)
    with pytest.raises(Refused, match="printable characters without spaces"):
        jwt_logins.add_key(app, actor=ops, user="alice", client_id="a b", pem=public)
    assert [e.user for e in jwt_logins.list_keys(app, actor=alice)] == ["alice"]
    with pytest.raises(NotFound):
        jwt_logins.remove_key(app, actor=ops, user="alice", client_id="other")
    jwt_logins.remove_key(app, actor=ops, user="alice", client_id=CLIENT)
    assert jwt_logins.list_keys(app, actor=ops) == []
    actions = [e.action for e in audit_of(app) if e.action.startswith("user.jwt")]
    assert actions == ["user.jwt_key_added", "user.jwt_key_removed"]


def rsa_pem(bits: int) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def audit_of(app: App) -> list[Any]:
    return list(audit.list_audit(app, actor=helpers.user(app, "ops"), limit=500).items)
