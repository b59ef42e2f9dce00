"""Access to the shared test data beside the project: corpora, reference registry, sdr-oracle.

The shared folder is found at ``$CHANGEWAY_SHARED`` or ``../shared`` next to the repository.
Under CI (``CI=true``) a missing shared folder or tool is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"

CORPORA = (
    "dreamhouse-lwc",
    "lwc-recipes",
    "apex-recipes",
    "ebikes-lwc",
    "Volunteers-for-Salesforce",
    "EDA",
    "sdr-sample-projects",
)


def shared_dir() -> Path:
    """The shared folder; fails (CI) or skips (locally) when it is absent."""
    path = Path(os.environ.get("CHANGEWAY_SHARED", REPO.parent / "shared"))
    if not path.is_dir():
        message = f"shared test data not found at {path} (set CHANGEWAY_SHARED)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@cache
def _extract(name: str, root: str) -> Path:
    archive = shared_dir() / "corpora" / f"{name}.tar.gz"
    target = Path(root) / name
    if not target.exists():
        target.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    entries = [p for p in target.iterdir()]
    # Archives hold one top folder (the repository); return it.
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


def corpus(name: str, tmp_root: Path) -> Path:
    """Extract corpus ``name`` once under ``tmp_root`` and return the repository folder."""
    return _extract(name, str(tmp_root))


def sdr_oracle() -> Path:
    """The reference converter; fails under CI when node/npm are missing."""
    tool = shared_dir() / "tools" / "sdr-oracle"
    if not (shutil.which("node") and shutil.which("npm")):
        if IN_CI:
            pytest.fail("node and npm are needed for sdr-oracle comparisons")
        pytest.skip("node and npm are needed for sdr-oracle comparisons")
    return tool


def run_oracle(mode: str, src: Path, out: Path) -> None:
    """Run ``sdr-oracle MODE SRC OUT``; raise with its output when it fails. A run that
    reports success yet writes nothing (seen once under load) is run once more, so that a
    comparison never starts from an empty reference."""
    for _attempt in range(2):
        result = subprocess.run(
            [str(sdr_oracle()), mode, str(src), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        # Salesforce's converter reads back what it wrote to report it; for types that share
        # a suffix (".policy") that reading fails once every file is written: the output is
        # whole.
        reread = result.stderr.startswith(f"{out}/") and "Expected source files for type" in (
            result.stderr
        )
        if result.returncode != 0 and not reread:
            raise RuntimeError(f"sdr-oracle {mode} failed: {result.stderr or result.stdout}")
        if out.is_dir() and any(p.is_file() for p in out.rglob("*")):
            return
    raise RuntimeError(f"sdr-oracle {mode} wrote nothing: {result.stderr or result.stdout}")
