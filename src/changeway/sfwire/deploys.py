"""Deploys of Salesforce's tools (SOAP and REST): a zip goes through changeway's pipeline as
a direct deployment; results come back as Salesforce's DeployResult."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from changeway.domain.components import ComponentKey
from changeway.domain.deployments import (
    ComponentResult,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Outcome,
    TestLevel,
)
from changeway.operations.inbound import test_level_named
from changeway.services import deployments
from changeway.services.direct import request_direct_deployment
from changeway.services.tool_sessions import Session
from changeway.sfwire.faults import SalesforceFault, as_faults
from changeway.sfwire.names import file_name

_STATUS = {
    DeploymentStatus.PENDING: "Pending",
    DeploymentStatus.IN_PROGRESS: "InProgress",
    DeploymentStatus.SUCCEEDED: "Succeeded",
    DeploymentStatus.FAILED: "Failed",
    DeploymentStatus.CANCELING: "Canceling",
    DeploymentStatus.CANCELED: "Canceled",
}


@dataclass(frozen=True)
class DeployOptions:
    """What the client asks of a deploy (Salesforce's DeployOptions)."""

    check_only: bool = False
    test_level: TestLevel = TestLevel.DEFAULT
    tests: list[str] = field(default_factory=list)
    rollback_on_error: bool = True

    @classmethod
    def parse(
        cls, *, check_only: bool, level: str | None, tests: list[str], rollback_on_error: bool
    ) -> DeployOptions:
        if not rollback_on_error:
            raise SalesforceFault(
                "INVALID_OPERATION",
                "rollbackOnError=false is not supported: a changeway deployment applies all"
                " of its components or none",
            )
        with as_faults():
            parsed = test_level_named(level) if level else TestLevel.DEFAULT
        return cls(check_only, parsed, tests, rollback_on_error)


def deploy_zip(app: App, session: Session, archive: Path, options: DeployOptions) -> str:
    """Queue the deployment of a Metadata API zip (checked as every upload is); its id."""
    scratch = Path(tempfile.mkdtemp(prefix="changeway-sf-deploy-"))
    try:
        with as_faults():
            cap = app.max_input_files
            folder = formats.unpack_archive(archive, scratch / "zip", max_files=cap)
            incoming = formats.read_metadata(folder, max_files=cap)
            incoming.components = formats.expand_archives(incoming.components)
            d = request_direct_deployment(
                app,
                actor=session.actor,
                org=session.org.id,
                incoming=incoming,
                check_only=options.check_only,
                test_level=options.test_level,
                tests=options.tests,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ids.numbered(ids.DEPLOY_REQUEST, d.id)


def deployment_of(app: App, session: Session, deploy_id: str) -> Deployment:
    """The deployment a deploy id names, if it went into the session's org."""
    with as_faults():
        number = ids.number_of(ids.DEPLOY_REQUEST, deploy_id, what="deploy request")
        d = deployments.show_deployment(app, actor=session.actor, deployment_id=number)
    if d.target_org_id != session.org.id:
        raise SalesforceFault(
            "INVALID_CROSS_REFERENCE_KEY", f"no deploy request {deploy_id} in this org", 404
        )
    return d


def quick_deploy(app: App, session: Session, validation_id: str) -> str:
    """Deploy a recent validation (deployRecentValidation); the new deploy id."""
    validation = deployment_of(app, session, validation_id)
    with as_faults():
        d = deployments.quick_deploy(app, actor=session.actor, deployment_id=validation.id)
    return ids.numbered(ids.DEPLOY_REQUEST, d.id)


def cancel(app: App, session: Session, deploy_id: str) -> dict[str, Any]:
    """Cancel a deploy; the client polls until it is Canceled."""
    d = deployment_of(app, session, deploy_id)
    with as_faults():
        d = deployments.cancel(app, actor=session.actor, deployment_id=d.id)
    return {"done": d.status.is_final, "id": ids.numbered(ids.DEPLOY_REQUEST, d.id)}


def deploy_result(d: Deployment, *, details: bool) -> dict[str, Any]:
    """Salesforce's DeployResult of a deployment."""
    failures = [f for r in d.components if r.outcome is Outcome.FAILED for f in _failures(r)]
    successes = [_success(r) for r in d.components if r.outcome is not Outcome.FAILED]
    tests = d.tests_result or {}
    test_failures = [t for t in tests.get("tests", []) if t["outcome"] in ("failed", "error")]
    result: dict[str, Any] = {
        "id": ids.numbered(ids.DEPLOY_REQUEST, d.id),
        "checkOnly": d.kind is DeploymentKind.VALIDATION,
        "completedDate": date_text(d.finished_at),
        "createdBy": d.created_by,
        "createdByName": d.created_by,
        "createdDate": date_text(d.created_at),
        "done": d.status.is_final,
        "ignoreWarnings": False,
        "lastModifiedDate": date_text(d.finished_at or d.started_at or d.created_at),
        "numberComponentErrors": len(failures),
        "numberComponentsDeployed": len(successes) if d.status.is_final else 0,
        "numberComponentsTotal": len(successes) + len(failures),
        "numberTestErrors": len(test_failures),
        "numberTestsCompleted": int(tests.get("total", 0)) - len(test_failures),
        "numberTestsTotal": int(tests.get("total", 0)),
        "rollbackOnError": True,
        "runTestsEnabled": tests.get("status") not in (None, "not_run"),
        "startDate": date_text(d.started_at),
        "status": _STATUS[d.status],
        "success": d.status is DeploymentStatus.SUCCEEDED,
    }
    if d.status is DeploymentStatus.FAILED and not failures:
        result["errorStatusCode"] = "UNKNOWN_EXCEPTION"
        result["errorMessage"] = d.error or "the deployment failed"
    if details and d.status.is_final:
        package = {"componentType": "", "fullName": "package.xml", "fileName": "package.xml"}
        result["details"] = {
            "componentSuccesses": [
                {**package, "created": False, "changed": True, "deleted": False, "success": True},
                *successes,
            ],
            "componentFailures": failures,
            "runTestResult": _run_test_result(tests, test_failures),
        }
    return result


def _success(r: ComponentResult) -> dict[str, Any]:
    return {
        "componentType": r.key.type,
        "fullName": r.key.name,
        "fileName": file_name(r.key),
        "created": r.outcome is Outcome.CREATED,
        "changed": r.outcome is Outcome.CHANGED,
        "deleted": r.outcome is Outcome.DELETED,
        "success": True,
    }


def _failures(r: ComponentResult) -> list[dict[str, Any]]:
    """One failure per component in the deploy that the problem is about: for a missing
    dependency, each component referencing it, with its file and line."""
    if r.needed_by and r.outcome is Outcome.FAILED and r.before is None and r.after is None:
        return [
            _failure(
                ref.source.type,
                ref.source.name,
                f"{ref.reason}: {r.key} does not exist in the org or the deployment"
                f" (missing dependency)",
                ref.line,
            )
            for ref in r.needed_by
        ]
    problem = r.problem or "failed"
    if r.path:  # the client shows the component's first file: name the one at fault
        problem = f"{r.path.rpartition('/')[2]}: {problem}"
    return [_failure(r.key.type, r.key.name, problem, r.line)]


def _failure(type_: str, name: str, problem: str, line: int | None) -> dict[str, Any]:
    return {
        "componentType": type_,
        "fullName": name,
        "fileName": file_name(ComponentKey(type_, name)),
        "problem": problem,
        "problemType": "Error",
        "lineNumber": line or 0,
        "columnNumber": 0 if not line else 1,
        "created": False,
        "changed": False,
        "deleted": False,
        "success": False,
    }


def _run_test_result(tests: dict[str, Any], failed: list[dict[str, Any]]) -> dict[str, Any]:
    passed = [t for t in tests.get("tests", []) if t["outcome"] == "passed"]
    return {
        "numTestsRun": len(passed) + len(failed),
        "numFailures": len(failed),
        "totalTime": sum(float(t.get("seconds") or 0) for t in tests.get("tests", [])) * 1000,
        "successes": [
            {"name": t["class"], "methodName": t["name"], "time": 0, "id": ""} for t in passed
        ],
        "failures": [
            {
                "name": t["class"],
                "methodName": t["name"],
                "message": t.get("message") or "failed",
                "stackTrace": "",
                "type": "Class",
                "time": 0,
                "id": "",
            }
            for t in failed
        ],
    }


def date_text(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment else None
