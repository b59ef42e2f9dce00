"""A worker process for the crash tests: runs one deployment job, announcing its phases.

Usage: python deploy_worker.py DATA_DIR DATABASE_URL SCHEMA JOB_ID NOW
(DATABASE_URL and SCHEMA may be empty: the SQLite store in DATA_DIR.)
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from changeway.bootstrap import bootstrap
from changeway.config import Settings
from changeway.domain.clock import FixedClock
from changeway.services.jobs import run_next


def main() -> None:
    data_dir, url, schema, job_id, now = sys.argv[1:6]
    settings = Settings.load(data_dir=Path(data_dir), database_url=url or None)
    app = bootstrap(
        settings,
        clock=FixedClock(datetime.fromisoformat(now)),
        schema=schema or None,
        upgrade=True,
    )
    print("ready", flush=True)
    run_next(
        app.uow, clock=app.clock, worker="crash-worker", handlers=app.handlers, job_id=int(job_id)
    )
    print("done", flush=True)
    app.close()


if __name__ == "__main__":
    main()
