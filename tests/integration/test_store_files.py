"""The embedded store is private to its owner: its folder is created 0700 and its database
file 0600 (docs/model.md, "Bad input and faults")."""

from __future__ import annotations

import stat
from pathlib import Path

from changeway.bootstrap import bootstrap
from changeway.config import Settings


def test_a_new_data_directory_and_database_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    settings = Settings.load(data_dir=tmp_path / "new" / "data")
    app = bootstrap(settings, upgrade=True)
    try:
        with app.uow() as uow:  # a write: SQLite creates its journal files too
            uow.commit()
    finally:
        app.close()
    assert stat.S_IMODE((tmp_path / "new" / "data").stat().st_mode) == 0o700
    files = sorted((tmp_path / "new" / "data").glob("changeway.db*"))
    assert files and files[0].name == "changeway.db"
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
