"""Large uploads and exports through a real `changeway serve` process: a 100 MB project is
expanded from a file on disk member by member and exported through a file, and the server's
peak resident memory stays bounded (docs/operations.md, "Sizing")."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import stores
from tests.served import base_env, changeway, serving

pytestmark = pytest.mark.xdist_group("scale-out")

RESOURCES = 20
RESOURCE_MB = 5
META = """<?xml version="1.0" encoding="UTF-8"?>
<StaticResource xmlns="http://soap.sforce.com/2006/04/metadata">
    <cacheControl>Private</cacheControl>
    <contentType>application/octet-stream</contentType>
</StaticResource>
"""
#: Peak resident memory allowed to a server receiving the 100 MB upload. PostgreSQL's driver
#: copies each file once more into the statement it sends.
UPLOAD_PEAK_MB = {"sqlite": 200, "postgresql": 230}
#: Peak allowed once the org has been exported as well: the export holds the org's contents
#: once (they were held twice more before: the zip built in memory, and on PostgreSQL the
#: driver's whole result, hex-encoded, when large contents were read in one query).
EXPORT_PEAK_MB = 250


@pytest.fixture(params=("sqlite", "postgresql"))
def served_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A CLI environment on a fresh, migrated store of either backend."""
    with stores.store(request.param, tmp_path) as (_settings, schema):
        env = base_env(tmp_path / "store")
        env["STORE_BACKEND"] = request.param
        if schema:
            env["CHANGEWAY_DATABASE_URL"] = f"{stores.PG_URL}?options=-csearch_path%3D{schema}"
        (tmp_path / "store").mkdir()
        changeway(env, "db", "upgrade")
        yield env


def big_project(path: Path) -> Path:
    """A project zip of 100 MB that does not compress (static resources of random bytes)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "sfdx-project.json",
            json.dumps({"packageDirectories": [{"path": "force-app", "default": True}]}),
        )
        folder = "force-app/main/default/staticresources"
        for i in range(RESOURCES):
            archive.writestr(f"{folder}/R{i}.resource", os.urandom(RESOURCE_MB << 20))
            archive.writestr(f"{folder}/R{i}.resource-meta.xml", META)
    return path


def peak_mb(pid: int) -> tuple[int, int]:
    """(peak, current) resident memory of process ``pid``, in MB."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    value = {
        line.split(":")[0]: int(line.split()[1]) >> 10
        for line in status
        if line.startswith(("VmHWM:", "VmRSS:"))
    }
    return value["VmHWM"], value["VmRSS"]


def server_pid(port: str) -> int:
    found = subprocess.run(["pgrep", "-f", "--", f"serve.*--port {port}"], capture_output=True)
    [pid] = found.stdout.split()
    return int(pid)


def test_a_100_mb_upload_and_its_export_are_streamed_through_files(
    served_env: dict[str, str], tmp_path: Path
) -> None:
    store = Path(served_env["CHANGEWAY_DATA_DIR"])
    token = json.loads(changeway(served_env, "token", "create", "ops", "--expires", "1h", "--json"))
    auth = {"Authorization": f"Bearer {token['token']}"}
    upload = big_project(tmp_path / "big.zip")
    assert upload.stat().st_size > 100 << 20
    with serving(store, served_env, "--workers", "0") as url:
        pid = server_pid(url.rsplit(":", 1)[1])
        with upload.open("rb") as body:
            created = httpx.post(
                f"{url}/orgs",
                params={"name": "Big"},
                content=iter(lambda: body.read(1 << 20), b""),
                headers={**auth, "Content-Type": "application/zip"},
                timeout=600,
            )
        assert created.status_code == 200, created.text
        upload_peak, _now = peak_mb(pid)

        exported = tmp_path / "export.zip"
        with (
            httpx.stream(
                "GET",
                f"{url}/orgs/Big/metadata",
                params={"format": "mdapi"},
                headers=auth,
                timeout=600,
            ) as answer,
            exported.open("wb") as out,
        ):
            assert answer.status_code == 200
            assert answer.headers["x-changeway-components"] == str(RESOURCES)
            for chunk in answer.iter_bytes():
                out.write(chunk)

        export_peak, _now = peak_mb(pid)
    assert export_peak < EXPORT_PEAK_MB, export_peak
    assert upload_peak < UPLOAD_PEAK_MB[served_env["STORE_BACKEND"]], upload_peak
    with zipfile.ZipFile(upload) as sent, zipfile.ZipFile(exported) as back:
        names = {n.rsplit("/", 1)[-1]: n for n in back.namelist()}
        for i in (0, RESOURCES - 1):
            original = sent.read(f"force-app/main/default/staticresources/R{i}.resource")
            assert back.read(names[f"R{i}.resource"]) == original
