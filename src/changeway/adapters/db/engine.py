"""Engines for SQLite and PostgreSQL, the schema version check, and migrations.

Checking the schema costs one query and does not import Alembic; only an upgrade does
(docs/adr/0008-server-seams.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from changeway.domain.errors import SchemaOutdated

MIGRATIONS = Path(__file__).parent / "migrations"
#: Execution option that marks a read-only unit of work's connection.
READ_ONLY = "changeway_read_only"


def create_engine(url: str, *, schema: str | None = None) -> sa.Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and write-locking transactions.

    ``schema`` (PostgreSQL only) puts every table in that schema, for isolated test runs.
    """
    if url.startswith("sqlite"):
        _private_file(sa.engine.make_url(url).database)
        engine = sa.create_engine(url, connect_args={"timeout": 60})
        _sqlite_transactions(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    _postgresql_read_only(engine)
    return engine


def _private_file(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only (0600); SQLite gives its journal
    files the same mode. Whoever can read the file reads every org."""
    if database and database != ":memory:":
        Path(database).touch(mode=0o600, exist_ok=True)


def _sqlite_transactions(engine: sa.Engine) -> None:
    """Writers take SQLite's write lock at BEGIN (IMMEDIATE), so that concurrent writers queue
    instead of failing half-way with "database is locked"; readers begin a deferred
    transaction and, with WAL, never wait for a writer."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_read_only(engine: sa.Engine) -> None:
    """A read-only unit of work's transaction is READ ONLY: a stray write fails loudly."""

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def head_revision() -> str:
    """The newest migration this changeway ships (migration files are named ``NNNN_*.py``)."""
    return max(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def schema_revision(engine: sa.Engine) -> str | None:
    """The store's schema revision (one query), or None for an empty store."""
    with engine.connect() as connection:
        try:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except sa.exc.DBAPIError:
            return None


def require_current(engine: sa.Engine) -> None:
    """Refuse a store whose schema is not this changeway's, saying what to do."""
    current, head = schema_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutdated(
            "the store is empty: create its tables with `changeway db upgrade`",
            details={"current": None, "expected": head},
        )
    if not current.isdigit() or current > head:
        raise SchemaOutdated(
            f"the store's schema ({current}) is newer than this changeway knows ({head}):"
            " upgrade changeway",
            details={"current": current, "expected": head},
        )
    raise SchemaOutdated(
        f"the store's schema ({current}) is older than this changeway's ({head}):"
        " run `changeway db upgrade`",
        details={"current": current, "expected": head},
    )


def migrate(engine: sa.Engine) -> bool:
    """Bring the database to the newest schema (Alembic ``upgrade head``); True if it changed.

    A store from a newer changeway is refused, never downgraded.
    """
    current, head = schema_revision(engine), head_revision()
    if current == head:
        return False
    if current is not None and (not current.isdigit() or current > head):
        require_current(engine)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    return True
