"""Wiring: builds the object graph (engine, units of work, job handlers) from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from changeway.adapters.db.engine import create_engine, migrate
from changeway.adapters.db.unit_of_work import SqlUnitOfWork
from changeway.adapters.runners.command import CommandTestRunner
from changeway.config import Settings
from changeway.domain.clock import Clock, SystemClock
from changeway.services import deployments, sandboxes
from changeway.services.jobs import JobHandler
from changeway.services.ports import UnitOfWork


@dataclass
class App:
    """Everything an entrypoint needs to call services."""

    settings: Settings
    engine: sa.Engine
    clock: Clock
    handlers: Mapping[str, JobHandler] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        """A new unit of work (one transaction)."""
        return SqlUnitOfWork(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def job_handlers(settings: Settings) -> dict[str, JobHandler]:
    """Every job kind and the handler that runs it."""
    runner = CommandTestRunner(settings.test_runner) if settings.test_runner else None
    return {
        sandboxes.COPY_JOB: sandboxes.CopySandbox(),
        sandboxes.DELETE_JOB: sandboxes.DeleteSandbox(),
        deployments.RUN_JOB: deployments.RunDeployment(test_runner=runner),
    }


def bootstrap(settings: Settings, *, clock: Clock | None = None, schema: str | None = None) -> App:
    """Open (and migrate) the store that ``settings`` name and wire the services to it."""
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, schema=schema)
    migrate(engine)
    return App(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        handlers=job_handlers(settings),
    )
