"""The CLI against a server: the same operations over HTTP (httpx), errors from problem
details, uploads streamed as zips, jobs followed by polling."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from changeway.cli.client import JobListener
from changeway.domain import errors
from changeway.operations import OPERATIONS, Download

FINAL = {"succeeded", "failed", "canceled"}
_ERRORS: dict[str, type[errors.ChangewayError]] = {
    cls.code: cls
    for cls in (
        errors.NotFound,
        errors.Refused,
        errors.NotAuthorized,
        errors.LimitExceeded,
        errors.Conflict,
        errors.PermissionDenied,
        errors.NotAuthenticated,
        errors.SchemaOutdated,
    )
}


class RemoteClient:
    """Operations run by a changeway server, as the user its token names."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        http: httpx.Client | None = None,
        poll_seconds: float = 0.5,
    ) -> None:
        if not token:
            raise errors.NotAuthenticated(
                "not authenticated: set CHANGEWAY_TOKEN or run `changeway login`"
            )
        self.url = url.rstrip("/")
        self.poll_seconds = poll_seconds
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = http or httpx.Client(base_url=self.url, timeout=600)

    def call(self, operation: str, /, **params: Any) -> Any:
        op = OPERATIONS[operation]
        path = op.path
        for name in [n for n in list(params) if f"{{{n}}}" in path]:
            path = path.replace(f"{{{name}}}", quote(str(params.pop(name)), safe="/"))
        values = {k: v for k, v in params.items() if v is not None}
        upload = values.pop(op.upload, None) if op.upload else None
        if upload is not None:
            with _Zipped(Path(upload)) as archive, archive.open("rb") as stream:
                headers = {**self.headers, "Content-Type": "application/zip"}
                return self._send(
                    op.download,
                    op.method,
                    path,
                    params=values,
                    content=_chunks(stream),
                    headers=headers,
                )
        if op.method in ("GET", "DELETE") or op.upload:
            return self._send(op.download, op.method, path, params=values, headers=self.headers)
        return self._send(op.download, op.method, path, json=values, headers=self.headers)

    def follow(self, job_id: int, listener: JobListener | None = None) -> dict[str, Any]:
        """Poll the job until it ends."""
        while True:
            job = self.call("job.show", job_id=job_id)
            if listener:
                listener(job)
            if job["status"] in FINAL:
                return job
            time.sleep(self.poll_seconds)

    def _send(self, download: bool, method: str, path: str, **options: Any) -> Any:
        if download:
            return self._download(method, path, **options)
        try:
            response = self.http.request(method, self.url + path, **options)
        except httpx.HTTPError as error:
            raise errors.ChangewayError(f"cannot reach {self.url}: {error}") from None
        if response.status_code >= 400:
            raise _error(response)
        return response.json()

    def _download(self, method: str, path: str, **options: Any) -> Download:
        """Stream an archive the server sends into a temporary file."""
        handle, name = tempfile.mkstemp(prefix="changeway-download-", suffix=".zip")
        target = Path(name)
        try:
            with (
                os.fdopen(handle, "wb") as out,
                self.http.stream(method, self.url + path, **options) as response,
            ):
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                for chunk in response.iter_bytes():
                    out.write(chunk)
        except httpx.HTTPError as error:
            target.unlink(missing_ok=True)
            raise errors.ChangewayError(f"cannot reach {self.url}: {error}") from None
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        about = {
            k.lower()[len("x-changeway-") :]: v
            for k, v in response.headers.items()
            if k.lower().startswith("x-changeway-")
        }
        return Download(target, "export.zip", about)


def _error(response: httpx.Response) -> errors.ChangewayError:
    """The refusal a problem-details response reports."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("code", ""))
    detail = str(body.get("detail") or f"HTTP {response.status_code}: {response.text[:200]}")
    if code == "not_authenticated" and not detail.startswith("not authenticated"):
        detail = f"not authenticated: {detail}"
    cls = _ERRORS.get(code, errors.ChangewayError)
    error = cls(detail, details={k: v for k, v in body.items() if k not in _PROBLEM_FIELDS})
    if cls is errors.ChangewayError and code:
        error.code = code
    return error


_PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}


class _Zipped:
    """A local project as a zip file: a zip as it is, a folder zipped into a scratch file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.scratch: str | None = None

    def __enter__(self) -> Path:
        if self.path.is_file():
            return self.path
        if not self.path.is_dir():
            raise errors.NotFound(f"{self.path} does not exist")
        self.scratch = tempfile.mkdtemp(prefix="changeway-upload-")
        archive = Path(self.scratch) / f"{self.path.name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for file in sorted(self.path.rglob("*")):
                if file.is_file():
                    out.write(file, file.relative_to(self.path).as_posix())
        return archive

    def __exit__(self, *_exc: object) -> None:
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _chunks(stream: Any, size: int = 1 << 16) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def token_file() -> Path:
    """Where `changeway login` keeps tokens (per server), readable by the user only."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "changeway" / "tokens.json"


def saved_token(server: str) -> str | None:
    """The token `changeway login` kept for ``server``."""
    path = token_file()
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text()).get(server.rstrip("/"))
    except ValueError:
        return None


def save_token(server: str, token: str) -> Path:
    """Keep ``token`` for ``server`` in a file only the user may read (mode 0600)."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tokens = json.loads(path.read_text()) if path.is_file() else {}
    tokens[server.rstrip("/")] = token
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(tokens, out, indent=2)
    os.chmod(path, 0o600)
    return path


def forget_token(server: str) -> None:
    """Forget the token kept for ``server``."""
    path = token_file()
    if path.is_file():
        tokens = json.loads(path.read_text())
        tokens.pop(server.rstrip("/"), None)
        path.write_text(json.dumps(tokens, indent=2))
