"""The REST calls Salesforce's tools make at login and for org details: userinfo, API
versions, the User and Organization records, and the Dev Hub probe answered "not one"."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from changeway.domain import salesforce_ids as ids
from changeway.services.tool_sessions import Session
from changeway.sfwire.faults import SalesforceFault
from changeway.sfwire.wire import API_VERSIONS, LATEST, SessionOf, instance_url

_FROM = re.compile(r"\bfrom\s+(\w+)", re.IGNORECASE)


def router(session: SessionOf) -> APIRouter:
    """The login and org-detail endpoints, each authenticated by ``session``."""
    routes = APIRouter(include_in_schema=False)
    current = Depends(session)

    @routes.get("/services/oauth2/userinfo")
    def userinfo(request: Request, s: Session = current) -> dict[str, Any]:
        base = instance_url(request)
        user_id, org_id = ids.numbered(ids.USER, s.user.id), ids.org_id(s.org.id)
        return {
            "sub": f"{base}/id/{org_id}/{user_id}",
            "user_id": user_id,
            "organization_id": org_id,
            "preferred_username": s.user.name,
            "nickname": s.user.name,
            "name": s.user.name,
            "user_type": "STANDARD",
            "active": True,
            "urls": {"rest": f"{base}/services/data/v{{version}}/"},
        }

    @routes.get("/services/data")
    def versions() -> list[dict[str, str]]:
        return [
            {"version": v, "label": f"API {v}", "url": f"/services/data/v{v}"} for v in API_VERSIONS
        ]

    @routes.get("/services/data/v{version}")
    def resources(version: str, s: Session = current) -> dict[str, str]:
        base = f"/services/data/v{_version(version)}"
        return {
            "sobjects": f"{base}/sobjects",
            "query": f"{base}/query",
            "metadata": f"{base}/metadata",
        }

    @routes.get("/services/data/v{version}/sobjects/User/{user_id}")
    def user(version: str, user_id: str, s: Session = current) -> dict[str, Any]:
        _version(version)
        if ids.number_of(ids.USER, user_id, what="user") != s.user.id:
            raise SalesforceFault("NOT_FOUND", "The requested resource does not exist", 404)
        return {
            "attributes": {"type": "User", "url": f"/services/data/v{version}/sobjects/User/"},
            "Id": ids.numbered(ids.USER, s.user.id),
            "Username": s.user.name,
            "Name": s.user.name,
        }

    @routes.get("/services/data/v{version}/query")
    def query(version: str, q: str, s: Session = current) -> dict[str, Any]:
        _version(version)
        found = _FROM.search(q)
        sobject = found.group(1).lower() if found else ""
        if sobject == "organization":
            return _records([_organization(s)])
        if sobject == "user":
            return _records([{"Id": ids.numbered(ids.USER, s.user.id), "Username": s.user.name}])
        # Anything else (the Dev Hub probe asks for ScratchOrgInfo) is not a type here.
        name = found.group(1) if found else "?"
        raise SalesforceFault(
            "INVALID_TYPE", f"sObject type '{name}' is not supported by changeway", 400
        )

    @routes.get("/services/data/v{version}/tooling/{rest:path}")
    def tooling(version: str, rest: str, s: Session = current) -> JSONResponse:
        # No source tracking: the client turns it off when the Tooling API is not there.
        raise SalesforceFault(
            "NOT_FOUND", "The requested resource does not exist (no Tooling API in changeway)", 404
        )

    return routes


def _version(text: str) -> str:
    if text not in API_VERSIONS:
        raise SalesforceFault("NOT_FOUND", f"API version {text} is not supported", 404)
    return text


def _records(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"totalSize": len(records), "done": True, "records": records}


def _organization(s: Session) -> dict[str, Any]:
    org_id = ids.org_id(s.org.id)
    return {
        "attributes": {
            "type": "Organization",
            "url": f"/services/data/v{LATEST}/sobjects/Organization/{org_id}",
        },
        "Id": org_id,
        "Name": s.org.name,
        "InstanceName": "CW1",
        "IsSandbox": s.org.kind.is_sandbox,
        "TrialExpirationDate": None,
        "NamespacePrefix": None,
        "OrganizationType": "Enterprise Edition",
    }
