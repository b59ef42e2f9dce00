"""A store that cannot be used as it is (damaged, full disk, read-only) is one clear line
on stderr and exit status 1, with nothing written (docs/model.md, "Bad input and faults")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from changeway.adapters.db.faults import store_fault
from changeway.cli.main import app


def test_a_damaged_database_is_one_clear_line_and_stays_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    garbage = bytes(range(256)) * 64
    (data / "changeway.db").write_bytes(garbage)
    for command in (["org", "list"], ["org", "create", "Acme"]):
        result = CliRunner().invoke(
            app, ["--data-dir", str(data), *command], env={"LOGNAME": "alice", "COLUMNS": "200"}
        )
        assert result.exit_code == 1, result.output
        assert " ".join(result.stderr.split()) == (
            "error: the store is not a changeway database or is damaged; restore it from a backup"
        )
        assert result.stdout == ""
    assert (data / "changeway.db").read_bytes() == garbage
    assert sorted(p.name for p in data.iterdir()) == ["changeway.db"]


@pytest.mark.parametrize(
    ("driver_says", "told"),
    [
        ("database or disk is full", "the disk holding the store is full; nothing was written"),
        ("attempt to write a readonly database", "the store cannot be written"),
        ("unable to open database file", "the store's file cannot be opened or created"),
        ("file is not a database", "the store is not a changeway database or is damaged"),
    ],
)
def test_sqlite_faults_of_the_store_are_told_plainly(driver_says: str, told: str) -> None:
    error = sa.exc.OperationalError("INSERT ...", {}, sqlite3.OperationalError(driver_says))
    fault = store_fault(error)
    assert fault is not None and str(fault).startswith(told)
    assert fault.code == "store_unavailable"


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("driver text")
        self.sqlstate = sqlstate


def test_postgresql_disk_full_and_damage_are_told_plainly_and_others_are_not() -> None:
    full = store_fault(sa.exc.OperationalError("INSERT", {}, _PgError("53100")))
    assert full is not None and "full" in str(full)
    damaged = store_fault(sa.exc.InternalError("SELECT", {}, _PgError("XX001")))
    assert damaged is not None and "damaged" in str(damaged)
    for other in ("08006", "25006"):  # connection lost; a write in a read-only transaction
        assert store_fault(sa.exc.OperationalError("SELECT 1", {}, _PgError(other))) is None
