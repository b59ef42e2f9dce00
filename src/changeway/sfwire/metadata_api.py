"""Salesforce's Metadata API over SOAP (``/services/Soap/m/<version>``): deploy, status,
cancel, quick deploy, retrieve, listMetadata and describeMetadata, each a call to changeway's
services for the session's user and org."""

from __future__ import annotations

import base64
import binascii
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.bootstrap import App
from changeway.domain import salesforce_ids as ids
from changeway.domain.components import Component
from changeway.services.component_dates import component_dates
from changeway.services.intake import writer_options
from changeway.services.retrieves import Retrieved, request_retrieve, retrieve_result
from changeway.services.tool_sessions import Session
from changeway.sfwire import deploys
from changeway.sfwire.faults import SalesforceFault, as_faults
from changeway.sfwire.names import file_name
from changeway.sfwire.soap import Value, flag, nested, nesteds, text, texts

Arguments = dict[str, list[Value]]
Handler = Callable[[App, Session, Arguments], list[Any]]


def deploy(app: App, s: Session, args: Arguments) -> list[Any]:
    options = nested(args, "DeployOptions")
    parsed = deploys.DeployOptions.parse(
        check_only=flag(options, "checkOnly"),
        level=text(options, "testLevel") or None,
        tests=texts(options, "runTests"),
        rollback_on_error=flag(options, "rollbackOnError", True),
    )
    scratch = Path(tempfile.mkdtemp(prefix="changeway-sf-zip-"))
    try:
        archive = scratch / "deploy.zip"
        try:
            archive.write_bytes(base64.b64decode(text(args, "ZipFile"), validate=True))
        except (binascii.Error, ValueError):
            raise SalesforceFault("INVALID_FIELD", "ZipFile is not base64") from None
        deploy_id = deploys.deploy_zip(app, s, archive, parsed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [{"done": False, "id": deploy_id, "state": "Queued"}]


def check_deploy_status(app: App, s: Session, args: Arguments) -> list[Any]:
    d = deploys.deployment_of(app, s, text(args, "asyncProcessId"))
    return [deploys.deploy_result(d, details=flag(args, "includeDetails"))]


def cancel_deploy(app: App, s: Session, args: Arguments) -> list[Any]:
    return [deploys.cancel(app, s, text(args, "String") or text(args, "id"))]


def deploy_recent_validation(app: App, s: Session, args: Arguments) -> list[Any]:
    return [deploys.quick_deploy(app, s, text(args, "validationId"))]


def retrieve(app: App, s: Session, args: Arguments) -> list[Any]:
    request = nested(args, "retrieveRequest") or nested(args, "request")
    unpackaged = nested(request, "unpackaged")
    if nesteds(request, "packageNames") or texts(request, "packageNames"):
        raise SalesforceFault("INVALID_OPERATION", "changeway orgs hold no packages")
    members = [
        (text(t, "name"), member)
        for t in nesteds(unpackaged, "types")
        for member in texts(t, "members")
    ]
    with as_faults():
        made = request_retrieve(
            app,
            actor=s.actor,
            org=s.org.id,
            members=members,
            single_package=flag(request, "singlePackage"),
        )
    return [{"done": False, "id": ids.numbered(ids.RETRIEVE_REQUEST, made.id), "state": "Queued"}]


def check_retrieve_status(app: App, s: Session, args: Arguments) -> list[Any]:
    retrieve_id = text(args, "asyncProcessId")
    with as_faults():
        number = ids.number_of(ids.RETRIEVE_REQUEST, retrieve_id, what="retrieve request")
        found = retrieve_result(app, actor=s.actor, request_id=number, org_id=s.org.id)
    prefix = "" if found.request.single_package else "unpackaged/"
    result: dict[str, Any] = {
        "done": True,
        "fileProperties": [_properties(c, prefix, found) for c in found.components]
        + [_package(prefix)],
        "id": retrieve_id,
        "messages": [
            {
                "fileName": f"{prefix}package.xml",
                "problem": f"Entity of type '{k.type}' named '{k.name}' cannot be found",
            }
            for k in found.missing
        ],
        "status": "Succeeded",
        "success": True,
    }
    if flag(args, "includeZip", True):
        result["zipFile"] = base64.b64encode(_zip(found, prefix)).decode()
    return [result]


def _zip(found: Retrieved, prefix: str) -> bytes:
    options = writer_options(found.org.project)
    files = formats.mdapi_files(found.components, **options)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(prefix + path, files[path])
    return buffer.getvalue()


def _properties(c: Component, prefix: str, found: Retrieved) -> dict[str, Any]:
    stamp = _stamp(found.request.created_at, found.request.created_by)
    return {
        **stamp,
        "fileName": prefix + file_name(c.key),
        "fullName": c.key.name,
        "id": "",
        "manageableState": "unmanaged",
        "type": c.key.type,
    }


def _package(prefix: str) -> dict[str, Any]:
    return {
        "fileName": f"{prefix}package.xml",
        "fullName": f"{prefix}package.xml",
        "id": "",
        "type": "Package",
        "manageableState": "unmanaged",
    }


def _stamp(at: Any, by: str, *, modified: tuple[Any, str] | None = None) -> dict[str, Any]:
    when, who = modified or (at, by)
    return {
        "createdById": "",
        "createdByName": by,
        "createdDate": deploys.date_text(at),
        "lastModifiedById": "",
        "lastModifiedByName": who,
        "lastModifiedDate": deploys.date_text(when),
    }


def list_metadata(app: App, s: Session, args: Arguments) -> list[Any]:
    queries = nesteds(args, "queries")
    if not queries or len(queries) > 3:
        raise SalesforceFault("INVALID_FIELD", "listMetadata takes one to three queries")
    wanted = {text(q, "type"): text(q, "folder") for q in queries}
    with as_faults():
        _org, dated = component_dates(app, actor=s.actor, org=s.org.id, types=list(wanted))
    results = []
    for entry in dated:
        folder = wanted.get(entry.key.type) or ""
        if folder and not entry.key.name.startswith(folder + "/"):
            continue
        results.append(
            {
                **_stamp(
                    entry.created_at,
                    entry.created_by,
                    modified=(entry.modified_at, entry.modified_by),
                ),
                "fileName": file_name(entry.key),
                "fullName": entry.key.name,
                "id": "",
                "manageableState": "unmanaged",
                "type": entry.key.type,
            }
        )
    return results


def describe_metadata(app: App, s: Session, args: Arguments) -> list[Any]:
    reg = formats.registry()
    objects = []
    for mdtype in sorted(reg.types.values(), key=lambda t: t.name):
        if mdtype.parent or mdtype.alias_for or mdtype.folder_of:
            continue
        objects.append(
            {
                "childXmlNames": list(mdtype.children),
                "directoryName": mdtype.directory,
                "inFolder": bool(mdtype.in_folder),
                "metaFile": bool(mdtype.meta_file) or mdtype.layout not in ("xml", "decomposed"),
                "suffix": mdtype.suffix,
                "xmlName": mdtype.name,
            }
        )
    return [
        {
            "metadataObjects": objects,
            "organizationNamespace": "",
            "partialSaveAllowed": False,
            "testRequired": s.org.is_production,
        }
    ]


OPERATIONS: dict[str, Handler] = {
    "deploy": deploy,
    "checkDeployStatus": check_deploy_status,
    "cancelDeploy": cancel_deploy,
    "deployRecentValidation": deploy_recent_validation,
    "retrieve": retrieve,
    "checkRetrieveStatus": check_retrieve_status,
    "listMetadata": list_metadata,
    "describeMetadata": describe_metadata,
}
