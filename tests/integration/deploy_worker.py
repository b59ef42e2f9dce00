"""A worker process for the crash tests: runs one deployment job, announcing its phases.

Usage: python deploy_worker.py DATA_DIR DATABASE_URL SCHEMA JOB_ID NOW [PAUSE_AT]
(DATABASE_URL and SCHEMA may be empty: the SQLite store in DATA_DIR.) With PAUSE_AT, the
worker prints "paused" and stops itself (SIGSTOP) when its job reports that progress
message, outside any transaction; SIGCONT resumes it.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from changeway.bootstrap import bootstrap
from changeway.config import Settings
from changeway.domain.clock import FixedClock
from changeway.domain.jobs import Job
from changeway.services.jobs import run_next


def main() -> None:
    data_dir, url, schema, job_id, now = sys.argv[1:6]
    pause_at = sys.argv[6] if len(sys.argv) > 6 else None
    settings = Settings.load(data_dir=Path(data_dir), database_url=url or None)
    app = bootstrap(
        settings,
        clock=FixedClock(datetime.fromisoformat(now)),
        schema=schema or None,
        upgrade=True,
    )

    def pause(job: Job) -> None:
        if job.message == pause_at:
            print("paused", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)

    print("ready", flush=True)
    ended = run_next(
        app.uow,
        clock=app.clock,
        worker="crash-worker",
        handlers=app.handlers,
        job_id=int(job_id),
        listener=pause if pause_at else None,
    )
    print(f"done {ended.status.value if ended else 'unclaimed'}", flush=True)
    app.close()


if __name__ == "__main__":
    main()
