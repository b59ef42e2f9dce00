"""What `changeway serve` runs in each server process (a uvicorn application factory):
the REST API, the web UI and Salesforce's wire protocols."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from changeway.adapters.logs import ENV_FORMAT, configure
from changeway.api.app import create_api
from changeway.bootstrap import bootstrap
from changeway.config import Settings
from changeway.sfwire import mount as mount_sfwire
from changeway.web.pages import install as web_pages

#: How the `serve` command hands its options to each server process.
ENV_WORKERS = "CHANGEWAY_SERVE_WORKERS"
ENV_MAX_UPLOAD = "CHANGEWAY_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 400


def create() -> FastAPI:
    """The application of one server process (a uvicorn factory): the store named by the
    environment, which must have the current schema."""
    configure(os.environ.get(ENV_FORMAT, "text"))
    data_dir = os.environ.get("CHANGEWAY_DATA_DIR")
    settings = Settings.load(data_dir=Path(data_dir) if data_dir else None)
    app = bootstrap(settings)
    megabytes = int(os.environ.get(ENV_MAX_UPLOAD, DEFAULT_MAX_UPLOAD_MB))
    api = create_api(
        app,
        max_upload=megabytes * 2**20,
        workers=int(os.environ.get(ENV_WORKERS, "1")),
        pages=web_pages,
    )
    mount_sfwire(api, app, max_upload=megabytes * 2**20)
    return api
