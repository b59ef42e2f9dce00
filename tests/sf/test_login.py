"""Logging Salesforce's `sf` CLI in to a changeway org (docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

import subprocess

from tests.sf.conftest import Served


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
