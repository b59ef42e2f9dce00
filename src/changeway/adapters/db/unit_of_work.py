"""One database transaction with its repositories: a service commits it once."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from changeway.adapters.db.change_set_repository import ChangeSetRepository
from changeway.adapters.db.deployment_repository import DeploymentRepository
from changeway.adapters.db.metadata_store import MetadataRepository
from changeway.adapters.db.repositories import (
    AuditRepository,
    AuthorizationRepository,
    JobRepository,
    OrgRepository,
)


class SqlUnitOfWork:
    """A transaction on ``engine``; rolled back unless :meth:`commit` is called."""

    orgs: OrgRepository
    authorizations: AuthorizationRepository
    jobs: JobRepository
    audit: AuditRepository
    metadata: MetadataRepository
    change_sets: ChangeSetRepository
    deployments: DeploymentRepository

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def __enter__(self) -> SqlUnitOfWork:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self.orgs = OrgRepository(self._conn)
        self.authorizations = AuthorizationRepository(self._conn)
        self.jobs = JobRepository(self._conn)
        self.audit = AuditRepository(self._conn)
        self.metadata = MetadataRepository(self._conn)
        self.change_sets = ChangeSetRepository(self._conn)
        self.deployments = DeploymentRepository(self._conn)
        return self

    def commit(self) -> None:
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
