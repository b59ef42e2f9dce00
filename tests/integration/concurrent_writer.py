"""A process for the concurrency test: imports into Test and deploys its own change set there,
trying again whenever changeway says the org changed meanwhile.

Usage: python concurrent_writer.py DATA_DIR DATABASE_URL SCHEMA NOW INDEX IMPORTS WORK_DIR
Prints "ok" when every import and the deployment went through; any other error ends it
with a traceback and exit status 1.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from changeway.bootstrap import bootstrap
from changeway.config import Settings
from changeway.domain.clock import FixedClock
from changeway.domain.errors import Conflict
from changeway.domain.jobs import JobStatus
from changeway.services import deployments, intake, metadata
from changeway.services.jobs import wait_for
from tests.helpers import user

TRIES = 30
PROJECT = b'{"packageDirectories": [{"path": "force-app"}]}'
META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
)


def project(root: Path, name: str) -> Path:
    classes = root / name / "force-app" / "main" / "default" / "classes"
    classes.mkdir(parents=True)
    (root / name / "sfdx-project.json").write_bytes(PROJECT)
    (classes / f"{name}.cls").write_text(f"public class {name} {{ }}\n")
    (classes / f"{name}.cls-meta.xml").write_bytes(META)
    return root / name


def main() -> None:
    data_dir, url, schema, now, index, imports, work = sys.argv[1:8]
    settings = Settings.load(data_dir=Path(data_dir), database_url=url or None)
    app = bootstrap(settings, clock=FixedClock(datetime.fromisoformat(now)), schema=schema or None)
    actor = user(app)
    for k in range(int(imports)):
        incoming = intake.read_checked(project(Path(work), f"W{index}x{k}"))
        metadata.import_metadata(app, actor=actor, org="Test", incoming=incoming)
    for _ in range(TRIES):
        d = deployments.request_deployment(
            app, actor=actor, org="Test", ref=f"CS{index}", check_only=False
        )
        job = wait_for(
            d.job_id or 0,
            uow_factory=app.uow,
            clock=app.clock,
            worker=f"writer-{index}",
            handlers=app.handlers,
            poll_seconds=0.05,
        )
        if job.status is JobStatus.SUCCEEDED:
            break
        if job.error_code != Conflict.code:
            raise SystemExit(f"deployment {d.id} failed: {job.error_code}: {job.error}")
    else:
        raise SystemExit(f"CS{index} never deployed in {TRIES} tries")
    print("ok", flush=True)
    app.close()


if __name__ == "__main__":
    main()
