"""One database transaction with its repositories: a service opens and commits it."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db.change_set_repository import ChangeSetRepository
from changeway.adapters.db.deployment_repository import DeploymentRepository
from changeway.adapters.db.engine import READ_ONLY
from changeway.adapters.db.faults import store_fault, store_faults_told
from changeway.adapters.db.metadata_store import MetadataRepository
from changeway.adapters.db.repositories import (
    AuditRepository,
    AuthorizationRepository,
    JobRepository,
    OrgRepository,
)
from changeway.adapters.db.session_repository import SessionRepository
from changeway.adapters.db.user_repository import TokenRepository, UserRepository
from changeway.domain.components import ComponentKey
from changeway.domain.errors import Conflict

#: PostgreSQL's codes for a transaction that lost a race: serialization failure, deadlock.
_RACE_CODES = frozenset({"40001", "40P01"})


def _lost_race(error: sa.exc.DBAPIError) -> bool:
    """A uniqueness or serialization conflict with a concurrent transaction: the loser gets
    "changed meanwhile, try again", never a raw database error."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return isinstance(error, sa.exc.IntegrityError) or code in _RACE_CODES


class _ReadOnlyMetadata(MetadataRepository):
    """Metadata reads in a read-only transaction. Dependency analyses computed meanwhile
    are a cache, not a change: they are kept aside and stored after the read ends."""

    def __init__(self, conn: sa.Connection, stash: dict[tuple[str, ComponentKey], Any]) -> None:
        super().__init__(conn)
        self._stash = stash

    def put_analyses(self, analyses: Mapping[tuple[str, ComponentKey], Any]) -> None:
        self._stash.update(analyses)


class SqlUnitOfWork:
    """A transaction on ``engine``; rolled back unless :meth:`commit` is called.

    ``read_only``: a deferred transaction on SQLite (it never waits for a writer), a
    READ ONLY one on PostgreSQL; it cannot commit changes.
    """

    orgs: OrgRepository
    authorizations: AuthorizationRepository
    jobs: JobRepository
    audit: AuditRepository
    metadata: MetadataRepository
    change_sets: ChangeSetRepository
    deployments: DeploymentRepository
    users: UserRepository
    tokens: TokenRepository
    sessions: SessionRepository

    def __init__(self, engine: sa.Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self.read_only = read_only
        self._stash: dict[tuple[str, ComponentKey], Any] = {}

    def __enter__(self) -> SqlUnitOfWork:
        with store_faults_told():
            self._conn = self._engine.connect()
        if self.read_only:
            self._conn.execution_options(**{READ_ONLY: True})
        self._tx = self._conn.begin()
        conn = self._conn
        self.orgs = OrgRepository(conn)
        self.authorizations = AuthorizationRepository(conn)
        self.jobs = JobRepository(conn)
        self.audit = AuditRepository(conn)
        self.metadata = (
            _ReadOnlyMetadata(conn, self._stash) if self.read_only else MetadataRepository(conn)
        )
        self.change_sets = ChangeSetRepository(conn)
        self.deployments = DeploymentRepository(conn)
        self.users = UserRepository(conn)
        self.tokens = TokenRepository(conn)
        self.sessions = SessionRepository(conn)
        return self

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._tx.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tx.is_active:
            self._tx.rollback()
        self._conn.close()
        if isinstance(exc, sa.exc.DBAPIError) and _lost_race(exc):
            raise Conflict(
                "the store changed meanwhile (a concurrent change); nothing was written, try again"
            ) from exc
        if isinstance(exc, sa.exc.DBAPIError) and (fault := store_fault(exc)):
            raise fault from exc
        if self._stash and exc_type is None:
            with self._engine.begin() as conn:
                MetadataRepository(conn).put_analyses(self._stash)
            self._stash.clear()
