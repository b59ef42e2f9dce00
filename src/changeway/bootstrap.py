"""Wiring: builds the object graph (engine, units of work, job handlers) from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import sqlalchemy as sa

from changeway.adapters.db.engine import (
    create_engine,
    head_revision,
    migrate,
    require_current,
    schema_revision,
)
from changeway.adapters.db.faults import store_faults_told
from changeway.adapters.db.unit_of_work import SqlUnitOfWork
from changeway.config import Settings
from changeway.domain.changesets import Limits
from changeway.domain.clock import Clock, OverriddenClock, SystemClock
from changeway.domain.errors import SchemaOutdated

if TYPE_CHECKING:  # loaded by the commands that use them, not by every start
    from changeway.services.jobs import JobHandler
    from changeway.services.ports import UnitOfWork


@dataclass
class App:
    """Everything an entrypoint needs to call services (it is the services' ``Context``)."""

    settings: Settings
    engine: sa.Engine
    clock: Clock

    @cached_property
    def handlers(self) -> Mapping[str, JobHandler]:
        """Job kind -> handler (loaded on first use: only workers and waiters need them)."""
        return job_handlers(self.settings)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work (one transaction); ``read_only`` never waits for writers."""
        overridden = isinstance(self.clock, OverriddenClock)
        return SqlUnitOfWork(self.engine, read_only=read_only, clock_overridden=overridden)

    def unready(self) -> str | None:
        """Why this server should not take requests (an unreachable store, a schema not this
        changeway's), or None when it is ready."""
        try:
            require_current(self.engine)
        except SchemaOutdated as outdated:
            return str(outdated)
        except sa.exc.DBAPIError as error:
            return f"the store is unreachable ({error.orig.__class__.__name__})"
        return None

    @property
    def change_set_limits(self) -> Limits:
        return self.settings.change_set_limits

    @property
    def max_input_files(self) -> int | None:
        return self.settings.max_input_files

    def close(self) -> None:
        self.engine.dispose()


def job_handlers(settings: Settings) -> dict[str, JobHandler]:
    """Every job kind and the handler that runs it."""
    from changeway.adapters.runners.command import CommandTestRunner
    from changeway.services import deployments, sandboxes

    runner = CommandTestRunner(settings.test_runner) if settings.test_runner else None
    return {
        sandboxes.COPY_JOB: sandboxes.CopySandbox(),
        sandboxes.DELETE_JOB: sandboxes.DeleteSandbox(),
        deployments.RUN_JOB: deployments.RunDeployment(test_runner=runner),
    }


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    schema: str | None = None,
    upgrade: bool = False,
) -> App:
    """Open the store that ``settings`` name and wire the services to it.

    With ``upgrade`` an outdated schema is migrated (the embedded CLI on its own SQLite
    file); otherwise it is refused with the command to run (``changeway db upgrade``).
    """
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_engine(settings.database_url, schema=schema)
    try:
        with store_faults_told():
            if upgrade:
                migrate(engine)
            else:
                require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return App(settings=settings, engine=engine, clock=clock or SystemClock())


def upgrade_store(settings: Settings, *, schema: str | None = None) -> tuple[str | None, str]:
    """Migrate the store to this changeway's schema; the revisions before and after."""
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_engine(settings.database_url, schema=schema)
    try:
        before = schema_revision(engine)
        migrate(engine)
        return before, head_revision()
    finally:
        engine.dispose()
