"""Logging Salesforce's `sf` CLI in to a changeway org (docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.sf.conftest import Run, Served


def test_login_with_an_org_bound_token_and_display_the_org(served: Served) -> None:
    made = served.cw.ok("token", "create", "alice", "--org", "Dev", "--json").json
    assert set(made) == {"token", "user", "org", "instance_url"}
    assert made["token"].startswith("00D") and "!" in made["token"]
    assert (made["user"], made["org"], made["instance_url"]) == ("alice", "Dev", served.url)

    login = served.login("dev", "alice", "Dev")
    assert login.code == 0, login.err
    assert login.json["result"]["username"] == "alice"
    dev_id = served.cw.ok("org", "show", "Dev", "--json").json["id"]
    org_id = login.json["result"]["orgId"]
    assert org_id.startswith("00D") and org_id[3:15] == dev_id[3:15] and len(org_id) == 18

    shown = served.sf.ok("org", "display", "--target-org", "dev", "--json").json["result"]
    assert shown["connectedStatus"] == "Connected"
    assert (shown["id"], shown["username"], shown["apiVersion"]) == (org_id, "alice", "62.0")


def test_connect_info_prints_the_login_command_that_works(served: Served) -> None:
    printed = served.cw.ok("org", "connect-info", "Dev", "--user", "alice").out
    assert f"sf org login access-token --instance-url {served.url} --no-prompt --alias Dev" in (
        printed
    )
    script = printed.replace("--alias Dev", "--alias viaconnect --json")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={
            **served.cw.env,
            **served.sf.env,
            "PATH": served.sf.env["PATH"].split(":")[0] + ":" + served.cw.env["PATH"],
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert '"username": "alice"' in done.stdout


def test_a_token_not_bound_to_an_org_or_revoked_does_not_log_in(served: Served) -> None:
    unbound = served.cw.ok("token", "create", "alice", "--json").json["token"]
    refused = served.sf(
        "org",
        "login",
        "access-token",
        "--instance-url",
        served.url,
        "--no-prompt",
        "--json",
        SF_ACCESS_TOKEN="00DXXXXXXXXXXXX!" + unbound,
    )
    assert refused.code != 0
    assert (
        "INVALID_SESSION_ID" in refused.out
        or "expired or invalid" in refused.out.lower()
        or ("not authenticated" in refused.out)
    ), refused.out


def test_ci_logs_in_with_sf_org_login_jwt_through_a_registered_key(
    served: Served, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "changeway ci")])
    start = datetime.now(UTC) - timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    client_id = "3MVG9.ci-consumer-key"
    served.cw.ok("user", "create", "robot")
    served.cw.ok("user", "grant", "robot", "Dev", "view_setup", "modify_metadata")
    added = served.cw.ok(
        "user", "jwt-add", "robot", "--client-id", client_id,
        "--certificate", str(tmp_path / "server.crt"),
    ).out  # fmt: skip
    assert f"robot may log in through client id {client_id}" in added

    info = served.cw.ok("org", "connect-info", "Dev", "--user", "robot", "--json").json
    assert info["jwt_login_url"] == f"{served.url}/org/Prod/Dev/"

    def login(alias: str, user: str) -> Run:
        return served.sf(
            "org", "login", "jwt", "--client-id", client_id,
            "--jwt-key-file", str(tmp_path / "server.key"), "--username", user,
            "--instance-url", info["jwt_login_url"], "--alias", alias, "--json",
        )  # fmt: skip

    done = login("ci", "robot")
    assert done.code == 0, done.out + done.err
    dev_id = served.cw.ok("org", "show", "Dev", "--json").json["id"]
    assert done.json["result"]["orgId"][3:15] == dev_id[3:15]
    shown = served.sf.ok("org", "display", "--target-org", "ci", "--json").json["result"]
    assert (shown["connectedStatus"], shown["username"]) == ("Connected", "robot")
    logins = served.cw.ok("audit", "--action", "user.jwt_login", "--json").json
    assert logins[-1]["user"] == "robot" and logins[-1]["details"]["client_id"] == client_id

    # A removed key logs no one in (a user the client has never logged in, as it refuses
    # to replace what it holds for robot).
    served.cw.ok("user", "create", "robot2")
    served.cw.ok("user", "grant", "robot2", "Dev", "view_setup")
    crt = str(tmp_path / "server.crt")
    served.cw.ok("user", "jwt-add", "robot2", "--client-id", client_id, "--certificate", crt)
    served.cw.ok("user", "jwt-remove", "robot2", "--client-id", client_id)
    refused = login("ci2", "robot2")
    assert refused.code != 0 and "no key is registered" in refused.out, refused.out
