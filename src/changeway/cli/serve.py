"""`changeway serve`: the REST API (and in-process workers) over the configured store."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import suppress

import typer

from changeway.cli.context import console, failures, state
from changeway.config import SERVING_FILE
from changeway.domain.errors import Refused


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    processes: int = typer.Option(1, "--processes", help="server processes"),
    workers: int = typer.Option(
        1, "--workers", help="jobs each server process runs at once (0: API only)"
    ),
    max_upload_mb: int = typer.Option(400, "--max-upload-mb", help="largest upload accepted"),
    log_format: str = typer.Option("text", "--log-format", help="text or json (one per line)"),
) -> None:
    """Serve the REST API (OpenAPI at /openapi.json; /healthz, /readyz, /metrics)."""
    import uvicorn

    from changeway.adapters.logs import ENV_FORMAT, FORMATS
    from changeway.api.metrics import ENV_MULTIPROCESS
    from changeway.api.server import ENV_MAX_UPLOAD, ENV_WORKERS
    from changeway.bootstrap import bootstrap

    s = state(ctx)
    with failures():
        if s.server:
            raise Refused("serve runs next to a store, not against another server")
        if processes < 1 or workers < 0 or max_upload_mb < 1:
            raise Refused(
                "--processes and --max-upload-mb take positive numbers, --workers 0 or more"
            )
        if log_format not in FORMATS:
            raise Refused(f"--log-format takes one of: {', '.join(FORMATS)}")
        bootstrap(s.settings).close()  # refuses an outdated store, saying what to run
    os.environ[ENV_WORKERS] = str(workers)
    os.environ[ENV_MAX_UPLOAD] = str(max_upload_mb)
    os.environ[ENV_FORMAT] = log_format
    if s.data_dir is not None:
        os.environ["CHANGEWAY_DATA_DIR"] = str(s.data_dir)
    shared_metrics = tempfile.mkdtemp(prefix="changeway-metrics-") if processes > 1 else None
    if shared_metrics:  # server processes add up their request metrics in files there
        os.environ[ENV_MULTIPROCESS] = shared_metrics
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    console.print(f"changeway serving at {url} (OpenAPI: /openapi.json)")
    serving = s.settings.data_dir / SERVING_FILE
    with suppress(OSError):
        serving.write_text(url + "\n")
    try:
        uvicorn.run(
            "changeway.api.server:create",
            factory=True,
            host=host,
            port=port,
            workers=processes,
            log_level="warning",
        )
    finally:
        with suppress(OSError):
            if serving.read_text().strip() == url:
                serving.unlink()
        if shared_metrics:
            shutil.rmtree(shared_metrics, ignore_errors=True)
