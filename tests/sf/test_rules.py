"""Every rule of changeway holds for Salesforce's own tools (docs/model.md, "Salesforce's
tools"): quick deploys, dependency and file checks, production's refusal of direct changes,
sessions bound to one org, permissions, asynchronous deploys and cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.sf.conftest import Run, Served, apex_class

USES_MISSING = """public with sharing class Uses {
    public static List<SObject> run() {
        return [SELECT Id FROM Missing__c];
    }
}
"""


def _class(name: str, note: str = "") -> str:
    return f"public with sharing class {name} {{\n    // {note}\n}}\n"


def _deploy(served: Served, org: str, project: Path, *more: str) -> Run:
    return served.deploy(org, project, *more)


def _ok(run: Run) -> dict[str, Any]:
    assert run.code == 0, _said(run)
    return dict(run.json["result"])


def _said(run: Run) -> str:
    return run.out + run.err


def test_validate_then_quick_deploy_and_no_quick_deploy_after_another_deploy(
    served: Served, tmp_path: Path
) -> None:
    org = served.sandbox("Qd")
    project = served.project(tmp_path / "p")
    apex_class(project, "Alpha", _class("Alpha", "one"))
    validated = _ok(served.deploy(org, project, verb="validate"))
    assert (validated["status"], validated["checkOnly"]) == ("Succeeded", True)
    assert served.components("Qd") == set()

    quick = served.sf.ok(
        "project", "deploy", "quick", "--job-id", validated["id"], "--target-org", org, "--json"
    ).json["result"]
    assert quick["status"] == "Succeeded" and quick["id"] != validated["id"]
    assert served.components("Qd") == {"ApexClass:Alpha"}

    apex_class(project, "Alpha", _class("Alpha", "two"))
    again = _ok(served.deploy(org, project, verb="validate"))
    other = served.project(tmp_path / "other")
    apex_class(other, "Beta", _class("Beta"))
    assert _deploy(served, org, other).code == 0
    refused = served.sf(
        "project", "deploy", "quick", "--job-id", again["id"], "--target-org", org, "--json"
    )
    assert refused.code != 0
    assert "has changed since validation" in _said(refused)
    shown = served.cw.ok("metadata", "show", "Qd", "ApexClass", "Alpha", "--json").json
    assert "// one" in str(shown)


def test_a_missing_dependency_or_a_malformed_file_fails_with_file_and_line_and_changes_nothing(
    served: Served, tmp_path: Path
) -> None:
    org = served.sandbox("Md")
    versions = served.cw.ok("metadata", "history", "Md", "--json").json
    project = served.project(tmp_path / "p")
    source = apex_class(project, "Uses", USES_MISSING)

    failed = _deploy(served, org, project)
    assert failed.code != 0
    [file] = [f for f in failed.json["result"]["files"] if f["state"] == "Failed"]
    assert (file["type"], file["fullName"], file["lineNumber"]) == ("ApexClass", "Uses", 3)
    assert file["filePath"] == str(source) and "Missing__c" in file["error"]

    meta = source.with_name("Uses.cls-meta.xml")
    meta.write_text(meta.read_text().replace("<status>Active</status>", "<status>Active"))
    source.write_text(_class("Uses"))
    malformed = _deploy(served, org, project)
    assert malformed.code != 0
    [file] = [f for f in malformed.json["result"]["files"] if f["state"] == "Failed"]
    # The client names the component's first file; the problem names the file it is in.
    assert (file["fullName"], file["filePath"]) == ("Uses", str(source))
    assert file["lineNumber"] == 5 and "malformed XML" in file["error"]
    assert "Uses.cls-meta.xml" in file["error"]

    assert served.components("Md") == set()
    assert served.cw.ok("metadata", "history", "Md", "--json").json == versions


def test_production_refuses_a_deploy_and_the_change_goes_dev_test_prod_by_change_sets(
    served: Served, tmp_path: Path
) -> None:
    assert served.login("prod", "ops", "Prod").code == 0
    assert served.login("alice-dev", "alice", "Dev").code == 0
    project = served.project(tmp_path / "p")
    apex_class(project, "Promoted", _class("Promoted"))

    refused = _deploy(served, "prod", project)
    assert refused.code != 0
    assert "Prod refuses direct metadata changes" in _said(refused)
    assert "change sets" in _said(refused)
    assert "ApexClass:Promoted" not in served.components("Prod")

    assert _deploy(served, "alice-dev", project).code == 0
    trail = served.cw.ok("audit", "--org", "Dev", "--json").json
    assert any(
        e["action"] == "deployment.requested" and e["user"] == "alice" and e["entrypoint"] == "sf"
        for e in trail
    )
    assert "alice" in {
        d["created_by"] for d in served.cw.ok("deployment", "list", "Dev", "--json").json
    }
    cw = served.cw
    for source, target in (("Dev", "Test"), ("Test", "Prod")):
        cw.ok("changeset", "create", source, f"Promote{source}")
        cw.ok("changeset", "add", source, f"Promote{source}", "ApexClass:Promoted")
        cw.ok("changeset", "upload", source, f"Promote{source}", "--to", target)
        cw.ok("inbound", "deploy", target, f"Promote{source}")
    assert "ApexClass:Promoted" in served.components("Prod")


def test_a_session_reaches_only_its_org_and_deploying_needs_modify_metadata(
    served: Served, tmp_path: Path
) -> None:
    project = served.project(tmp_path / "p")
    apex_class(project, "Guarded", _class("Guarded"))
    assert served.login("ops-test", "ops", "Test").code == 0
    in_test = _deploy(served, "ops-test", project)
    assert in_test.code == 0
    test_deploy = in_test.json["result"]["id"]

    # A fresh home: the client does not remember that deploy, so it asks alice's Dev session.
    home = tmp_path / "home"
    home.mkdir()
    assert served.login("alice-dev2", "alice", "Dev", HOME=str(home)).code == 0
    other_org = served.sf(
        "project",
        "deploy",
        "report",
        "--job-id",
        test_deploy,
        "--target-org",
        "alice-dev2",
        "--json",
        HOME=str(home),
    )
    # The server answers INVALID_CROSS_REFERENCE_KEY; the client reports the id as invalid.
    assert other_org.code != 0 and f"Invalid deploy ID: {test_deploy}" in _said(other_org)

    assert served.login("alice-test", "alice", "Test").code == 0
    assert served.login("bob-dev", "bob", "Dev").code == 0
    for alias, org in (("alice-test", "Test"), ("bob-dev", "Dev")):
        denied = _deploy(served, alias, project)
        assert denied.code != 0
        assert "INSUFFICIENT_ACCESS" in _said(denied)
        assert "modify_metadata" in _said(denied) and f"in {org}" in _said(denied)
    assert "ApexClass:Guarded" not in served.components("Dev")


def test_async_deploy_then_report_and_resume(served: Served, tmp_path: Path) -> None:
    org = served.sandbox("As")
    before = served.components("As")
    project = served.project(tmp_path / "p")
    apex_class(project, "Later", _class("Later"))
    started = _deploy(served, org, project, "--async")
    assert started.code == 0, _said(started)
    job = started.json["result"]["id"]
    assert job.startswith("0Af") and len(job) == 18

    resumed = served.sf.ok("project", "deploy", "resume", "--job-id", job, "--json", cwd=project)
    assert resumed.json["result"]["status"] == "Succeeded"
    report = served.sf.ok(
        "project", "deploy", "report", "--job-id", job, "--target-org", org, "--json", cwd=project
    ).json["result"]
    assert (report["status"], report["numberComponentsDeployed"]) == ("Succeeded", 1)
    assert served.components("As") == before | {"ApexClass:Later"}


def test_cancel_an_async_deploy_before_it_runs(idle: Served, tmp_path: Path) -> None:
    org = idle.sandbox("Cx")
    project = idle.project(tmp_path / "p")
    apex_class(project, "Never", _class("Never"))
    started = _deploy(idle, org, project, "--async")
    assert started.code == 0, _said(started)
    job = started.json["result"]["id"]
    pending = idle.sf.ok(
        "project", "deploy", "report", "--job-id", job, "--target-org", org, "--json", cwd=project
    ).json["result"]
    assert pending["status"] == "Pending" and pending["done"] is False

    canceled = idle.sf.ok(
        "project", "deploy", "cancel", "--job-id", job, "--target-org", org, "--json", cwd=project
    ).json["result"]
    assert canceled["status"] == "Canceled"
    assert [d["status"] for d in idle.cw.ok("deployment", "list", "Cx", "--json").json] == [
        "canceled"
    ]
    assert idle.components("Cx") == set()


def test_rest_deploys_validate_quick_and_report_failures_with_file_and_line(
    served: Served, tmp_path: Path
) -> None:
    org = served.sandbox("Rd")
    before = served.components("Rd")  # what Prod held when the sandbox was copied
    project = served.project(tmp_path / "p")
    apex_class(project, "Alpha", _class("Alpha", "rest"))

    def rest(*args: str) -> Run:
        return served.sf(*args, "--target-org", org, "--json", cwd=project,
                         SF_ORG_METADATA_REST_DEPLOY="true")  # fmt: skip

    deployed = _ok(rest("project", "deploy", "start", "--source-dir", "force-app"))
    assert deployed["status"] == "Succeeded"
    assert served.components("Rd") == before | {"ApexClass:Alpha"}
    assert "/metadata/deployRequest" in (served.store / "serve.log").read_text()

    apex_class(project, "Alpha", _class("Alpha", "validated"))
    validated = _ok(rest("project", "deploy", "validate", "--source-dir", "force-app"))
    assert validated["checkOnly"] is True
    quick = _ok(rest("project", "deploy", "quick", "--job-id", validated["id"]))
    assert quick["status"] == "Succeeded"
    shown = served.cw.ok("metadata", "show", "Rd", "ApexClass", "Alpha", "--json").json
    assert "// validated" in str(shown)

    source = apex_class(project, "Uses", USES_MISSING)
    failed = rest("project", "deploy", "start", "--source-dir", "force-app")
    assert failed.code != 0
    [file] = [f for f in failed.json["result"]["files"] if f["state"] == "Failed"]
    assert (file["type"], file["fullName"], file["lineNumber"]) == ("ApexClass", "Uses", 3)
    assert file["filePath"] == str(source) and "Missing__c" in file["error"]
    assert served.components("Rd") == before | {"ApexClass:Alpha"}
