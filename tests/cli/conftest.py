"""Fixtures shared by the command-line tests that run cluster processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from changeway.bootstrap import App, bootstrap
from tests import stores


@pytest.fixture
def pg_app(tmp_path: Path) -> Iterator[tuple[App, str]]:
    """A migrated PostgreSQL store on the system clock (leases expire in real time), and
    the URL its cluster processes use."""
    with stores.store("postgresql", tmp_path) as (settings, schema):
        app = bootstrap(settings, schema=schema, upgrade=True)
        try:
            yield app, f"{stores.PG_URL}?options=-csearch_path%3D{schema}"
        finally:
            app.close()
