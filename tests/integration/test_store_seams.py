"""Units of work and the schema: readers never wait for writers, read-only transactions
cannot write, and an outdated or newer schema is refused with what to do."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from changeway.adapters.db.engine import MIGRATIONS, create_engine, head_revision, migrate
from changeway.bootstrap import App, bootstrap, upgrade_store
from changeway.config import Settings
from changeway.domain.errors import SchemaOutdated
from changeway.domain.orgs import new_production
from changeway.services import deployments, inbound, orgs
from tests.cli_results import Invoke, ok
from tests.helpers import user
from tests.helpers_metadata import change_set, family, run


def test_a_reader_is_not_blocked_by_a_long_deployment_check(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    family(app)
    change_set(app, "Dev", "CS1", "ApexClass:A", target="Test")
    checking, done_reading = threading.Event(), threading.Event()
    original = deployments._check_components

    def slow_check(uow: Any, plan: Any) -> Any:
        checking.set()  # inside the deployment's transaction
        assert done_reading.wait(60), "the reader never finished while the check ran"
        return original(uow, plan)

    monkeypatch.setattr(deployments, "_check_components", slow_check)
    d = deployments.request_deployment(app, actor=user(app), org="Test", ref="CS1", check_only=True)
    worker = threading.Thread(target=run, args=(app, d))
    worker.start()
    try:
        assert checking.wait(60)
        # While the check holds its transaction, every read goes through.
        assert [s.org.name for s in orgs.list_orgs(app, actor=user(app)).items] == [
            "Prod",
            "Dev",
            "Test",
        ]
        assert inbound.list_inbound(app, actor=user(app), org="Test").items[0].change_set.name
        assert deployments.show_deployment(app, actor=user(app), deployment_id=d.id).status.value
        done_reading.set()
    finally:
        done_reading.set()
        worker.join()
    assert deployments.show_deployment(app, actor=user(app), deployment_id=d.id).status.value == (
        "succeeded"
    )


def test_a_read_only_unit_of_work_cannot_write(app: App, backend: str) -> None:
    org = new_production(name="Sneaky", now=app.clock.now())
    if backend == "postgresql":
        with (
            pytest.raises(sa.exc.DBAPIError, match="read-only transaction"),
            app.uow(read_only=True) as uow,
        ):
            uow.orgs.add(org)
    with app.uow(read_only=True) as uow, pytest.raises(RuntimeError, match="cannot commit"):
        uow.commit()
    assert orgs.list_orgs(app, actor=user(app)).items == []


def _settings(tmp_path: Path) -> Settings:
    return Settings.load(data_dir=tmp_path / "store")


def _engine(settings: Settings) -> sa.Engine:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_engine(settings.database_url)


def test_the_head_revision_is_alembics(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_an_outdated_store_is_refused_until_upgraded(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    settings = _settings(tmp_path)
    engine = _engine(settings)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.commit()
    engine.dispose()
    with pytest.raises(SchemaOutdated, match=r"older than this changeway's.*changeway db upgrade"):
        bootstrap(settings)
    assert upgrade_store(settings) == ("0005", head_revision())
    bootstrap(settings).close()
    assert upgrade_store(settings) == (head_revision(), head_revision())


def test_an_empty_store_is_refused_by_a_server(tmp_path: Path) -> None:
    with pytest.raises(SchemaOutdated, match=r"the store is empty.*changeway db upgrade"):
        bootstrap(_settings(tmp_path))


def test_a_store_from_a_newer_changeway_is_refused_and_not_touched(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    engine = _engine(settings)
    migrate(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    for attempt in (lambda: bootstrap(settings), lambda: bootstrap(settings, upgrade=True)):
        with pytest.raises(SchemaOutdated, match=r"newer than this changeway knows"):
            attempt()
    with _engine(settings).connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            "9999"
        )


def test_opening_a_current_store_does_not_load_alembic(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    upgrade_store(settings)
    script = (
        "import sys, pathlib; from changeway.bootstrap import bootstrap;"
        " from changeway.config import Settings;"
        f" bootstrap(Settings.load(data_dir=pathlib.Path({str(settings.data_dir)!r})));"
        " print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_db_upgrade_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from changeway.cli.main import app as cli

    runner = CliRunner()
    store = str(tmp_path / "store")
    first = runner.invoke(cli, ["--data-dir", store, "db", "upgrade"])
    assert first.exit_code == 0 and f"from empty to {head_revision()}" in first.stdout
    again = runner.invoke(cli, ["--data-dir", store, "db", "upgrade"])
    assert again.exit_code == 0 and "is current" in again.stdout


def test_the_embedded_cli_upgrades_its_own_sqlite_file(cw: Invoke) -> None:
    ok(cw("org", "list"))


def test_contents_of_every_size_read_back_exactly(app: App) -> None:
    """Small contents come with the first query, large ones in bounded batches (a large
    export must not hold a database result of every file at once); all read back alike."""
    sizes = [0, 1, 64 << 10, (64 << 10) + 1, 3 << 20, 3 << 20, 3 << 20, 9 << 20]
    blobs = {f"{i:064x}": bytes([i]) * size for i, size in enumerate(sizes)}
    with app.uow() as uow:
        uow.metadata.put_blobs(blobs)
        uow.commit()
    with app.uow(read_only=True) as uow:
        found = uow.metadata.get_blobs([*blobs, "f" * 64])
    assert found == blobs
