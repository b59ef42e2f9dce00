"""One database transaction with its repositories: a service opens and commits it."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

import sqlalchemy as sa

from changeway.adapters.db.engine import READ_ONLY
from changeway.adapters.db.faults import store_fault, store_faults_told
from changeway.domain.errors import Conflict

# Repositories load on first use: `org list` then starts without the metadata store, the
# change set and deployment repositories and the domain modules behind them.
if TYPE_CHECKING:
    from changeway.adapters.db.change_set_repository import ChangeSetRepository
    from changeway.adapters.db.deployment_repository import (
        DeploymentRepository,
        RetrieveRepository,
    )
    from changeway.adapters.db.garbage import GarbageRepository
    from changeway.adapters.db.metadata_store import MetadataRepository
    from changeway.adapters.db.read_only_metadata import Stash
    from changeway.adapters.db.repositories import (
        AuditRepository,
        AuthorizationRepository,
        JobRepository,
        OrgRepository,
    )
    from changeway.adapters.db.session_repository import SessionRepository
    from changeway.adapters.db.user_repository import (
        JwtKeyRepository,
        TokenRepository,
        UserRepository,
    )

#: PostgreSQL's codes for a transaction that lost a race: serialization failure, deadlock.
_RACE_CODES = frozenset({"40001", "40P01"})


def _lost_race(error: sa.exc.DBAPIError) -> bool:
    """A uniqueness or serialization conflict with a concurrent transaction: the loser gets
    "changed meanwhile, try again", never a raw database error."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return isinstance(error, sa.exc.IntegrityError) or code in _RACE_CODES


class SqlUnitOfWork:
    """A transaction on ``engine``; rolled back unless :meth:`commit` is called.

    ``read_only``: a deferred transaction on SQLite (it never waits for a writer), a
    READ ONLY one on PostgreSQL; it cannot commit changes. ``clock_overridden``: audit
    entries record that their time was pinned by an operator.
    """

    def __init__(
        self, engine: sa.Engine, *, read_only: bool = False, clock_overridden: bool = False
    ) -> None:
        self._engine = engine
        self.read_only = read_only
        self._clock_overridden = clock_overridden
        self._stash: Stash | None = None  # analyses a read keeps aside (read-only only)

    def __enter__(self) -> SqlUnitOfWork:
        with store_faults_told():
            self._conn = self._engine.connect()
        if self.read_only:
            self._conn.execution_options(**{READ_ONLY: True})
        self._tx = self._conn.begin()
        return self

    @cached_property
    def orgs(self) -> OrgRepository:
        from changeway.adapters.db.repositories import OrgRepository

        return OrgRepository(self._conn)

    @cached_property
    def authorizations(self) -> AuthorizationRepository:
        from changeway.adapters.db.repositories import AuthorizationRepository

        return AuthorizationRepository(self._conn)

    @cached_property
    def jobs(self) -> JobRepository:
        from changeway.adapters.db.repositories import JobRepository

        return JobRepository(self._conn)

    @cached_property
    def audit(self) -> AuditRepository:
        from changeway.adapters.db.repositories import AuditRepository

        return AuditRepository(self._conn, clock_overridden=self._clock_overridden)

    @cached_property
    def metadata(self) -> MetadataRepository:
        if self.read_only:
            from changeway.adapters.db.read_only_metadata import ReadOnlyMetadata, Stash

            self._stash = Stash()
            return ReadOnlyMetadata(self._conn, self._stash)
        from changeway.adapters.db.metadata_store import MetadataRepository

        return MetadataRepository(self._conn)

    @cached_property
    def garbage(self) -> GarbageRepository:
        from changeway.adapters.db.garbage import GarbageRepository

        return GarbageRepository(self._conn)

    @cached_property
    def change_sets(self) -> ChangeSetRepository:
        from changeway.adapters.db.change_set_repository import ChangeSetRepository

        return ChangeSetRepository(self._conn)

    @cached_property
    def deployments(self) -> DeploymentRepository:
        from changeway.adapters.db.deployment_repository import DeploymentRepository

        return DeploymentRepository(self._conn)

    @cached_property
    def retrieves(self) -> RetrieveRepository:
        from changeway.adapters.db.deployment_repository import RetrieveRepository

        return RetrieveRepository(self._conn)

    @cached_property
    def users(self) -> UserRepository:
        from changeway.adapters.db.user_repository import UserRepository

        return UserRepository(self._conn)

    @cached_property
    def tokens(self) -> TokenRepository:
        from changeway.adapters.db.user_repository import TokenRepository

        return TokenRepository(self._conn)

    @cached_property
    def jwt_keys(self) -> JwtKeyRepository:
        from changeway.adapters.db.user_repository import JwtKeyRepository

        return JwtKeyRepository(self._conn)

    @cached_property
    def sessions(self) -> SessionRepository:
        from changeway.adapters.db.session_repository import SessionRepository

        return SessionRepository(self._conn)

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
        if self._stash is not None and exc_type is None:
            self._stash.save(self._engine)
