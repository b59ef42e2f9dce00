"""Fixtures shared by every test suite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from changeway.bootstrap import App, bootstrap
from changeway.domain.clock import FixedClock
from tests import corpora, stores


@pytest.fixture(scope="session")
def corpora_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide folder where corpora are extracted once."""
    return tmp_path_factory.mktemp("corpora")


@pytest.fixture(scope="session")
def corpus(corpora_root: Path):  # type: ignore[no-untyped-def]
    """``corpus("EDA")`` extracts a shared corpus once and returns its repository folder."""

    def get(name: str) -> Path:
        return corpora.corpus(name, corpora_root)

    return get


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each integration test runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
def clock() -> FixedClock:
    """A clock that tests move by hand (refresh intervals, leases)."""
    return FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def app(backend: str, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    """A migrated, empty store on ``backend``, wired with the fixed clock."""
    with stores.store(backend, tmp_path) as (settings, schema):
        application = bootstrap(settings, clock=clock, schema=schema, upgrade=True)
        try:
            yield application
        finally:
            application.close()
