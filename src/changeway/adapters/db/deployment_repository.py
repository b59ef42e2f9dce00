"""Validations, deployments, quick deploys and rollbacks, with their per-component results."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.domain.changesets import Item
from changeway.domain.deployments import (
    ComponentResult,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    RetrieveRequest,
    TestLevel,
)


class DeploymentRepository:
    """Deployment rows; results are stored as JSON beside them."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, d: Deployment) -> Deployment:
        values = _row(d)
        values.pop("id")
        d.id = int(
            self._conn.execute(t.deployments.insert().values(**values)).inserted_primary_key[0]
        )
        return d

    def outcomes(self) -> dict[tuple[str, str], int]:
        """(kind, status) -> how many deployments, for monitoring."""
        d = t.deployments
        query = sa.select(d.c.kind, d.c.status, sa.func.count()).group_by(d.c.kind, d.c.status)
        return {(kind, status): int(n) for kind, status, n in self._conn.execute(query)}

    def save(self, d: Deployment) -> None:
        self._conn.execute(
            t.deployments.update().where(t.deployments.c.id == d.id).values(**_row(d))
        )

    def get(self, deployment_id: int, *, lock: bool = False) -> Deployment | None:
        query = sa.select(t.deployments).where(t.deployments.c.id == deployment_id)
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _deployment(row) if row else None

    def of_org(self, org_ids: list[str]) -> list[Deployment]:
        query = (
            sa.select(t.deployments)
            .where(t.deployments.c.target_org_id.in_(org_ids))
            .order_by(t.deployments.c.id)
        )
        return [_deployment(r) for r in self._conn.execute(query)]

    def of_inbound(self, inbound_id: int) -> list[Deployment]:
        query = (
            sa.select(t.deployments)
            .where(t.deployments.c.inbound_id == inbound_id)
            .order_by(t.deployments.c.id)
        )
        return [_deployment(r) for r in self._conn.execute(query)]


def _row(d: Deployment) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind.value,
        "target_org_id": d.target_org_id,
        "status": d.status.value,
        "created_by": d.created_by,
        "created_at": d.created_at,
        "inbound_id": d.inbound_id,
        "validation_id": d.validation_id,
        "rollback_of_id": d.rollback_of_id,
        "test_level": d.test_level.value,
        "tests": d.tests,
        "allow_overwrite": d.allow_overwrite,
        "overwrite_reason": d.overwrite_reason,
        "base_version_id": d.base_version_id,
        "result_version_id": d.result_version_id,
        "job_id": d.job_id,
        "started_at": d.started_at,
        "finished_at": d.finished_at,
        "components": [c.to_json() for c in d.components],
        "tests_result": d.tests_result,
        "error": d.error,
        "timings": d.timings,
        "items": None if d.items is None else [i.to_json() for i in d.items],
    }


def _deployment(row: sa.Row[Any]) -> Deployment:
    return Deployment(
        id=row.id,
        kind=DeploymentKind(row.kind),
        target_org_id=row.target_org_id,
        status=DeploymentStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        inbound_id=row.inbound_id,
        validation_id=row.validation_id,
        rollback_of_id=row.rollback_of_id,
        test_level=TestLevel(row.test_level),
        tests=list(row.tests),
        allow_overwrite=row.allow_overwrite,
        overwrite_reason=row.overwrite_reason,
        base_version_id=row.base_version_id,
        result_version_id=row.result_version_id,
        job_id=row.job_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        components=[ComponentResult.from_json(c) for c in row.components],
        tests_result=dict(row.tests_result),
        error=row.error,
        timings=dict(row.timings),
        items=None if row.items is None else [Item.from_json(i) for i in row.items],
    )


class RetrieveRepository:
    """Retrieve requests of Salesforce's tools: what to fetch, from which org version."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, r: RetrieveRequest) -> RetrieveRequest:
        values = {
            "org_id": r.org_id,
            "version_id": r.version_id,
            "members": [list(m) for m in r.members],
            "single_package": r.single_package,
            "created_by": r.created_by,
            "created_at": r.created_at,
        }
        new_id = self._conn.execute(t.retrieve_requests.insert().values(**values))
        return replace(r, id=int(new_id.inserted_primary_key[0]))

    def get(self, request_id: int) -> RetrieveRequest | None:
        row = self._conn.execute(
            sa.select(t.retrieve_requests).where(t.retrieve_requests.c.id == request_id)
        ).first()
        if row is None:
            return None
        return RetrieveRequest(
            id=row.id,
            org_id=row.org_id,
            version_id=row.version_id,
            members=[(m[0], m[1]) for m in row.members],
            single_package=row.single_package,
            created_by=row.created_by,
            created_at=row.created_at,
        )
