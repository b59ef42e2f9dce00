"""Session caches: each corpus is converted by the reference tool once per test session."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import corpora


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Path], Path]:
    """``oracle(mode, src)`` runs sdr-oracle once per (mode, src) and returns its output."""
    cache: dict[tuple[str, Path], Path] = {}

    def run(mode: str, src: Path) -> Path:
        key = (mode, src)
        if key not in cache:
            base = tmp_path_factory.mktemp("oracle")
            if mode == "mdapi-to-source":
                # The reference tool writes source format only inside an SFDX project.
                (base / "force-app").mkdir()
                config = {"packageDirectories": [{"path": "force-app", "default": True}]}
                (base / "sfdx-project.json").write_text(json.dumps(config))
                out = base / "force-app"
            else:
                out = base / "out"
            corpora.run_oracle(mode, src, out)
            cache[key] = out
        return cache[key]

    return run
