"""Repositories: load and save domain objects within one database transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.domain.audit import AuditEvent, AuditFilter, Stamp
from changeway.domain.connections import Authorization
from changeway.domain.jobs import Job, JobStats, JobStatus
from changeway.domain.orgs import GONE, Org, OrgKind, OrgStatus, SandboxLimits


class OrgRepository:
    """Orgs and sandboxes."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, org: Org) -> None:
        self._conn.execute(t.orgs.insert().values(**_org_row(org)))

    def save(self, org: Org) -> None:
        self._conn.execute(t.orgs.update().where(t.orgs.c.id == org.id).values(**_org_row(org)))

    def get(self, org_id: str, *, lock: bool = False) -> Org | None:
        """One org; ``lock`` holds its row until the transaction ends (PostgreSQL; SQLite's
        writer already holds the database), so writers to one org serialize."""
        query = sa.select(t.orgs).where(t.orgs.c.id == org_id)
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _org(row) if row else None

    def family(self, production_id: str, *, lock: bool = False) -> list[Org]:
        """Every org of a family, gone ones included; ``lock`` serializes family changes."""
        if lock:
            self._lock(production_id)
        query = sa.select(t.orgs).where(t.orgs.c.production_id == production_id)
        return [_org(r) for r in self._conn.execute(query.order_by(t.orgs.c.created_at))]

    def _lock(self, production_id: str) -> None:
        # SQLite holds the write lock since BEGIN IMMEDIATE; PostgreSQL locks the production row.
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(
                sa.select(t.orgs.c.id).where(t.orgs.c.id == production_id).with_for_update()
            )

    def named(self, name: str) -> list[Org]:
        """Orgs (not gone) whose name matches case-insensitively."""
        query = sa.select(t.orgs).where(
            sa.func.lower(t.orgs.c.name) == name.lower(),
            t.orgs.c.status.not_in([s.value for s in GONE]),
        )
        return [_org(r) for r in self._conn.execute(query)]

    def all(self, *, include_gone: bool = False) -> list[Org]:
        query = sa.select(t.orgs)
        if not include_gone:
            query = query.where(t.orgs.c.status.not_in([s.value for s in GONE]))
        return [_org(r) for r in self._conn.execute(query.order_by(t.orgs.c.created_at))]


class AuthorizationRepository:
    """Inbound authorizations (target allows source)."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def for_orgs(self, org_ids: Iterable[str]) -> list[Authorization]:
        ids = list(org_ids)
        query = sa.select(t.authorizations.c.target_id, t.authorizations.c.source_id).where(
            t.authorizations.c.target_id.in_(ids)
        )
        return sorted(Authorization(r.target_id, r.source_id) for r in self._conn.execute(query))

    def add(self, auth: Authorization, *, by: str, at: datetime) -> None:
        self._conn.execute(
            t.authorizations.insert().values(
                target_id=auth.target_id, source_id=auth.source_id, granted_by=by, granted_at=at
            )
        )

    def remove(self, auth: Authorization) -> None:
        self._conn.execute(
            t.authorizations.delete().where(
                t.authorizations.c.target_id == auth.target_id,
                t.authorizations.c.source_id == auth.source_id,
            )
        )


class JobRepository:
    """Durable jobs, claimed by workers under a lease."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, job: Job) -> Job:
        row = _job_row(job)
        row.pop("id")
        job.id = int(self._conn.execute(t.jobs.insert().values(**row)).inserted_primary_key[0])
        return job

    def save(self, job: Job) -> None:
        self._conn.execute(t.jobs.update().where(t.jobs.c.id == job.id).values(**_job_row(job)))

    def get(self, job_id: int, *, lock: bool = False) -> Job | None:
        query = sa.select(t.jobs).where(t.jobs.c.id == job_id)
        if lock and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return _job(row) if row else None

    def list(
        self, *, org_ids: Iterable[str] | None = None, before: int | None = None, limit: int
    ) -> list[Job]:
        """Jobs newest first, ``limit`` of them with ids below ``before`` (keyset paging)."""
        query = sa.select(t.jobs).order_by(t.jobs.c.id.desc()).limit(limit)
        if org_ids is not None:
            query = query.where(t.jobs.c.org_id.in_(list(org_ids)))
        if before is not None:
            query = query.where(t.jobs.c.id < before)
        return [_job(r) for r in self._conn.execute(query)]

    def stats(self) -> JobStats:
        """Jobs by kind and state, the oldest pending one, and the seconds finished jobs ran."""
        j = t.jobs
        counts = {
            (kind, status): int(n)
            for kind, status, n in self._conn.execute(
                sa.select(j.c.kind, j.c.status, sa.func.count()).group_by(j.c.kind, j.c.status)
            )
        }
        oldest = self._conn.execute(
            sa.select(sa.func.min(j.c.created_at)).where(j.c.status == JobStatus.PENDING)
        ).scalar()
        ran = sa.func.sum(_seconds_between(self._conn, j.c.started_at, j.c.finished_at))
        run_seconds = {
            (kind, status): float(total or 0.0)
            for kind, status, total in self._conn.execute(
                sa.select(j.c.kind, j.c.status, ran)
                .where(j.c.finished_at.is_not(None), j.c.started_at.is_not(None))
                .group_by(j.c.kind, j.c.status)
            )
        }
        return JobStats(
            counts=counts,
            oldest_pending=oldest,
            run_seconds=run_seconds,
        )

    def claimable(
        self, now: datetime, *, job_id: int | None = None, queue_key: str | None = None
    ) -> Job | None:
        """The oldest job a worker may take (of ``queue_key`` when given): pending, or running
        with an expired lease.

        A pending job waits while an earlier job with the same queue key is unfinished, so
        work on one org runs one at a time. PostgreSQL skips rows other workers hold.
        """
        j = t.jobs
        earlier = j.alias("earlier")
        blocked = (
            sa.select(earlier.c.id)
            .where(
                earlier.c.queue_key == j.c.queue_key,
                earlier.c.id < j.c.id,
                earlier.c.status.in_(
                    [JobStatus.PENDING, JobStatus.IN_PROGRESS, JobStatus.CANCELING]
                ),
            )
            .exists()
        )
        query = (
            sa.select(j)
            .where(
                sa.or_(
                    sa.and_(
                        j.c.status == JobStatus.PENDING, sa.or_(j.c.queue_key.is_(None), ~blocked)
                    ),
                    sa.and_(
                        j.c.status.in_([JobStatus.IN_PROGRESS, JobStatus.CANCELING]),
                        j.c.lease_expires_at < now,
                    ),
                )
            )
            .order_by(j.c.id)
            .limit(1)
        )
        if job_id is not None:
            query = query.where(j.c.id == job_id)
        if queue_key is not None:
            query = query.where(j.c.queue_key == queue_key)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=j)
        row = self._conn.execute(query).first()
        return _job(row) if row else None


class AuditRepository:
    """The append-only audit trail: rows are inserted, never updated or deleted.

    Under a clock an operator pinned, each entry's details say so (``clock_overridden``).
    """

    def __init__(self, conn: sa.Connection, *, clock_overridden: bool = False) -> None:
        self._conn = conn
        self._clock_overridden = clock_overridden

    def append(self, event: AuditEvent, *, at: datetime) -> None:
        details = event.details
        if self._clock_overridden:
            details = {**details, "clock_overridden": True}
        self._conn.execute(
            t.audit_events.insert().values(
                at=at,
                actor=event.actor,
                action=event.action,
                org_id=event.org_id,
                org_name=event.org_name,
                details=details,
                user_name=event.user,
                by_user=event.by,
                entrypoint=event.entrypoint,
            )
        )

    def list(
        self, where: AuditFilter = AuditFilter(), *, after: int | None = None, limit: int
    ) -> list[AuditEvent]:
        """Entries oldest first, ``limit`` of them with ids above ``after`` (keyset paging)."""
        a = t.audit_events
        query = sa.select(a).order_by(a.c.id).limit(limit)
        if after is not None:
            query = query.where(a.c.id > after)
        if where.org_ids is not None:
            query = query.where(a.c.org_id.in_(sorted(where.org_ids)))
        if where.user is not None:
            name = where.user.lower()
            query = query.where(
                sa.or_(sa.func.lower(a.c.user_name) == name, sa.func.lower(a.c.by_user) == name)
            )
        if where.action is not None:
            query = query.where(
                sa.or_(a.c.action == where.action, a.c.action.startswith(where.action + "."))
            )
        if where.since is not None:
            query = query.where(a.c.at >= where.since)
        if where.until is not None:
            query = query.where(a.c.at < where.until)
        return [
            AuditEvent(
                id=r.id,
                at=r.at,
                actor=r.actor,
                action=r.action,
                org_id=r.org_id,
                org_name=r.org_name,
                details=r.details,
                user=r.user_name,
                by=r.by_user,
                entrypoint=r.entrypoint,
            )
            for r in self._conn.execute(query)
        ]


def _seconds_between(
    conn: sa.Connection, start: sa.ColumnElement[Any], end: sa.ColumnElement[Any]
) -> sa.ColumnElement[Any]:
    """``end - start`` in seconds, in either store's SQL."""
    if conn.dialect.name == "postgresql":
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def _org_row(org: Org) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind.value,
        "production_id": org.production_id,
        "status": org.status.value,
        "created_at": org.created_at,
        "copied_at": org.copied_at,
        "source_id": org.source_id,
        "replaces_id": org.replaces_id,
        "allow_direct_changes": org.allow_direct_changes,
        "head_version_id": org.head_version_id,
        "limits": org.limits.to_json() if org.limits else None,
        "project": dict(org.project),
    }


def _org(row: sa.Row[Any]) -> Org:
    return Org(
        id=row.id,
        name=row.name,
        kind=OrgKind(row.kind),
        production_id=row.production_id,
        status=OrgStatus(row.status),
        created_at=row.created_at,
        copied_at=row.copied_at,
        source_id=row.source_id,
        replaces_id=row.replaces_id,
        allow_direct_changes=row.allow_direct_changes,
        head_version_id=row.head_version_id,
        limits=SandboxLimits.from_json(row.limits) if row.limits is not None else None,
        project=row.project or {},
    )


def _job_row(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "org_id": job.org_id,
        "queue_key": job.queue_key,
        "actor": job.actor,
        "payload": job.payload,
        "progress": job.progress,
        "message": job.message,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "lease_owner": job.lease_owner,
        "lease_expires_at": job.lease_expires_at,
        "origin": job.origin.to_json() if job.origin else None,
        "error_code": job.error_code,
    }


def _job(row: sa.Row[Any]) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        status=JobStatus(row.status),
        org_id=row.org_id,
        queue_key=row.queue_key,
        actor=row.actor,
        payload=row.payload,
        progress=row.progress,
        message=row.message,
        result=row.result,
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        origin=Stamp.from_json(row.origin) if row.origin else None,
        error_code=row.error_code,
    )
