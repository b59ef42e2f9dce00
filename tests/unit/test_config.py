"""Settings: the operator's test runner and change set limits, from environment or file."""

from __future__ import annotations

from pathlib import Path

import pytest

from changeway.config import Settings
from changeway.domain.changesets import Limits
from changeway.domain.errors import Refused


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CHANGEWAY_DATABASE_URL",
        "CHANGEWAY_TEST_RUNNER",
        "CHANGEWAY_MAX_CHANGE_SET_FILES",
        "CHANGEWAY_MAX_CHANGE_SET_MB",
        "CHANGEWAY_MAX_INPUT_FILES",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_salesforces_limits_a_sqlite_file_and_no_runner(tmp_path: Path) -> None:
    settings = Settings.load(data_dir=tmp_path)
    assert settings.change_set_limits == Limits(max_files=10_000, max_bytes=400 * 2**20)
    assert settings.test_runner is None
    assert settings.max_input_files is None  # the built-in cap on one input's files
    assert settings.database_url == f"sqlite:///{tmp_path / 'changeway.db'}"


def test_config_file_sets_the_runner_and_limits(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[tests]\nrunner = "python3 run.py"\n[change_sets]\nmax_files = 50\nmax_mb = 2\n'
    )
    settings = Settings.load(data_dir=tmp_path)
    assert settings.test_runner == "python3 run.py"
    assert settings.change_set_limits == Limits(max_files=50, max_bytes=2 * 2**20)


def test_environment_wins_over_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text('[tests]\nrunner = "a"\n[change_sets]\nmax_files = 50\n')
    monkeypatch.setenv("CHANGEWAY_TEST_RUNNER", "b")
    monkeypatch.setenv("CHANGEWAY_MAX_CHANGE_SET_FILES", "7")
    settings = Settings.load(data_dir=tmp_path)
    assert (settings.test_runner, settings.change_set_limits.max_files) == ("b", 7)


def test_the_input_file_cap_comes_from_the_config_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text("[input]\nmax_files = 250000\n")
    assert Settings.load(data_dir=tmp_path).max_input_files == 250_000
    monkeypatch.setenv("CHANGEWAY_MAX_INPUT_FILES", "500")
    assert Settings.load(data_dir=tmp_path).max_input_files == 500


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_an_input_file_cap_that_is_not_a_positive_whole_number_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    (tmp_path / "config.toml").write_text(f"[input]\nmax_files = {value!r}\n")
    with pytest.raises(Refused, match=r"CHANGEWAY_MAX_INPUT_FILES .* positive whole number"):
        Settings.load(data_dir=tmp_path)


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CHANGEWAY_MAX_CHANGE_SET_FILES", value)
    with pytest.raises(Refused, match=r"CHANGEWAY_MAX_CHANGE_SET_FILES .* positive whole number"):
        Settings.load(data_dir=tmp_path)


def test_a_broken_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[tests\nrunner = 1\n")
    with pytest.raises(Refused, match=r"config\.toml"):
        Settings.load(data_dir=tmp_path)


def test_the_shown_store_url_never_carries_a_password(tmp_path: Path) -> None:
    settings = Settings.load(
        data_dir=tmp_path, database_url="postgresql+psycopg://cw:s3cret@db.example:5432/cw"
    )
    assert settings.shown_url == "postgresql+psycopg://cw:***@db.example:5432/cw"
    assert "s3cret" not in settings.shown_url
    assert Settings.load(data_dir=tmp_path).shown_url == f"sqlite:///{tmp_path / 'changeway.db'}"
