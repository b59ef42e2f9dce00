"""Eight processes importing into one org and deploying into it at once: writers to one org
serialize on both stores; the loser of a race is told the org changed meanwhile (and tries
again), never a raw database error; versions stay contiguous and nothing is lost
(docs/adr/0011-fencing-and-serialization.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from changeway.bootstrap import App
from changeway.domain.components import ComponentKey
from tests.helpers_metadata import apex, change_set, contents, family, head, org, put

WRITER = Path(__file__).with_name("concurrent_writer.py")
REPO = Path(__file__).resolve().parents[2]
PROCESSES = 8
IMPORTS = 3


def _schema(app: App) -> str:
    if app.engine.dialect.name != "postgresql":
        return ""
    with app.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT current_schema()").scalar())


def test_eight_processes_importing_and_deploying_into_one_org_lose_nothing(
    app: App, tmp_path: Path
) -> None:
    family(app)
    put(app, "Dev", [apex(f"K{i}") for i in range(PROCESSES)])
    for i in range(PROCESSES):
        change_set(app, "Dev", f"CS{i}", f"ApexClass:K{i}", target="Test")
    start = head(app, "Test")
    url = "" if app.engine.dialect.name == "sqlite" else app.settings.database_url
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                str(WRITER),
                str(app.settings.data_dir),
                url,
                _schema(app),
                app.clock.now().isoformat(),
                str(i),
                str(IMPORTS),
                str(tmp_path / f"w{i}"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(PROCESSES)
    ]
    said = [w.communicate(timeout=600) for w in writers]
    for i, (out, err) in enumerate(said):
        assert "IntegrityError" not in err and "UniqueViolation" not in err, err
        assert (writers[i].returncode, out.strip()) == (0, "ok"), err

    test = org(app, "Test")
    with app.uow() as uow:
        versions = uow.metadata.versions(test.id)
    numbers = [v.number for v in versions]
    assert numbers == list(range(1, len(numbers) + 1))
    assert [v.parent_id for v in versions[1:]] == [v.id for v in versions[:-1]]
    assert head(app, "Test").number == start.number + PROCESSES * (IMPORTS + 1)
    final = contents(app, "Test")
    for i in range(PROCESSES):
        assert ComponentKey("ApexClass", f"K{i}") in final
        for k in range(IMPORTS):
            assert ComponentKey("ApexClass", f"W{i}x{k}") in final
