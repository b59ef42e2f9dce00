"""Browser tests: Debian's Chromium (never a downloaded browser), driven by pytest-playwright
against a real `changeway serve` process on a free loopback port.

The served store holds the reference family (Prod with the sample app, sandboxes Dev and
Test, their promotion paths), Dev changed by the sample change, an administrator ``ops``
and ``builder``, who may build and upload change sets in Dev and Test but not deploy.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from changeway.bootstrap import bootstrap
from changeway.config import Settings
from changeway.services import metadata, users
from changeway.services.demo import SAMPLE_CHANGE, build_reference_scenario
from changeway.services.intake import read_checked
from tests.corpora import IN_CI
from tests.helpers import run_job, user
from tests.served import base_env, serving

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(sys.prefix) / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "browser-test-password"


def _require(path: Path, what: str) -> None:
    if not path.is_file():
        message = f"{what} is missing at {path}: run scripts/services"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium."""
    _require(CHROMIUM, "Debian's chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served store holding the reference family with Dev's change (one per test module:
    tests of a module share it); yields the base URL."""
    store = tmp_path_factory.mktemp("served")
    app = bootstrap(Settings.load(data_dir=store), upgrade=True)
    try:
        ops = user(app, "ops", admin=True)
        build_reference_scenario(app, actor=ops, run_job=lambda job: run_job(app, job))
        metadata.import_metadata(
            app, actor=ops, org="Dev", incoming=read_checked(SAMPLE_CHANGE), message="due dates"
        )
        users.set_password(app, actor=ops, name="ops", password=PASSWORD)
        users.create_user(app, actor=ops, name="builder", password=PASSWORD)
        for org in ("Dev", "Test"):
            users.change_grants(
                app,
                actor=ops,
                user="builder",
                org=org,
                permissions=["view_setup", "create_upload_change_sets"],
                grant=True,
            )
    finally:
        app.close()
    with serving(store, base_env(store, "ops")) as url:
        yield url


def log_in(page: Page, url: str, name: str = "ops") -> None:
    """Log in through the form, as a person would."""
    page.goto(f"{url}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Orgs")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    """What axe-core, run in the page, finds serious or critical."""
    _require(AXE, "axe-core (npm)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
