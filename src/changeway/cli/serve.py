"""`changeway serve`: the REST API (and an in-process worker) over the configured store."""

from __future__ import annotations

import os
from contextlib import suppress

import typer

from changeway.cli.context import console, failures, state
from changeway.config import SERVING_FILE
from changeway.domain.errors import Refused


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    processes: int = typer.Option(1, "--workers", help="server processes"),
    worker: bool = typer.Option(
        True, "--worker/--no-worker", help="run queued jobs in each server process"
    ),
    max_upload_mb: int = typer.Option(400, "--max-upload-mb", help="largest upload accepted"),
) -> None:
    """Serve the REST API (OpenAPI at /openapi.json, health at /healthz)."""
    import uvicorn

    from changeway.api.server import ENV_MAX_UPLOAD, ENV_WORKER
    from changeway.bootstrap import bootstrap

    s = state(ctx)
    with failures():
        if s.server:
            raise Refused("serve runs next to a store, not against another server")
        if processes < 1 or max_upload_mb < 1:
            raise Refused("--workers and --max-upload-mb take positive numbers")
        bootstrap(s.settings).close()  # refuses an outdated store, saying what to run
    os.environ[ENV_WORKER] = "1" if worker else "0"
    os.environ[ENV_MAX_UPLOAD] = str(max_upload_mb)
    if s.data_dir is not None:
        os.environ["CHANGEWAY_DATA_DIR"] = str(s.data_dir)
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
