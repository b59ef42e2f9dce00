"""Isolated stores for tests: a SQLite file, or a PostgreSQL schema of its own.

PostgreSQL is at ``$CHANGEWAY_TEST_PG`` (default: the local server, database ``test``).
Under CI (``CI=true``) an unreachable PostgreSQL fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from changeway.config import Settings
from tests.corpora import IN_CI

PG_URL = os.environ.get("CHANGEWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def store(backend: str, tmp_path: Path) -> Iterator[tuple[Settings, str | None]]:
    """Settings for a fresh store on ``backend``, and the PostgreSQL schema it uses."""
    if backend == "sqlite":
        yield Settings.load(data_dir=tmp_path / "data"), None
        return
    admin = _pg_engine()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield Settings.load(data_dir=tmp_path / "data", database_url=PG_URL), schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def _pg_engine() -> sa.Engine:
    engine = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL is not reachable at {PG_URL}: {error.orig}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return engine
