"""`changeway metadata ...`: an org's components, their history, import and export."""

from __future__ import annotations

import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from changeway.cli.client import all_pages, pages
from changeway.cli.context import (
    client,
    console,
    failures,
    print_json,
    print_json_list,
    print_table,
    warn_each,
    warn_skipped,
)
from changeway.cli.render import printable
from changeway.domain.errors import Refused

app = typer.Typer(
    help="An org's metadata: import, export, list, show, history.", no_args_is_help=True
)
_JSON = typer.Option(False, "--json", help="print JSON")


@app.command("import")
def import_(
    ctx: typer.Context,
    org: str,
    path: Path,
    replace: bool = typer.Option(False, "--replace", help="make the org exactly PATH"),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="with --replace: PATH may hold nothing (deletes everything)"
    ),
    message: str | None = typer.Option(None, "--message", "-m", help="why (kept in history)"),
    strict: bool = typer.Option(
        False, "--strict", help="fail on files of unknown types and files that are not metadata"
    ),
    json_: bool = _JSON,
) -> None:
    """Load an SFDX project, package folder, Metadata API folder or zip into ORG."""
    with failures():
        result = client(ctx).call(
            "metadata.import",
            org=org,
            archive=str(path),
            replace=replace,
            allow_empty=allow_empty,
            message=message,
            origin=path.name,
            strict=strict,
        )
    if not json_:
        warn_each(result["warnings"])
    if result["skipped"] and not json_:
        warn_skipped(result["skipped"])
    if json_:
        print_json(result)
    elif result["version"] is None:
        console.print(f"{result['org']}: nothing changed")
    else:
        console.print(
            f"{result['org']} is now at version {result['version']}: {len(result['added'])}"
            f" added, {len(result['changed'])} changed, {len(result['deleted'])} deleted"
        )


@app.command("export")
def export(
    ctx: typer.Context,
    org: str,
    out: Path,
    fmt: str = typer.Option(..., "--format", help="source|mdapi"),
    zip_: bool = typer.Option(False, "--zip", help="a zip file (mdapi only)"),
    manifest: Path | None = typer.Option(
        None, "--manifest", help="only what this package.xml names"
    ),
) -> None:
    """Write ORG[@VERSION] in source or Metadata API format."""
    with failures():
        if fmt not in ("source", "mdapi"):
            raise Refused(f"unknown format {fmt!r}: use source or mdapi")
        if zip_ and fmt != "mdapi":
            raise Refused("--zip goes with --format mdapi")
        if out.exists() and (out.is_file() or any(out.iterdir())):
            raise Refused(f"{out} exists and is not empty; give a new folder")
        members = _members(manifest) if manifest else None
        download = client(ctx).call("metadata.export", org=org, format=fmt, members=members)
        try:
            _write(download.path, out, as_zip=zip_)
        finally:
            download.path.unlink(missing_ok=True)
    about = download.about
    console.print(
        f"wrote {about['components']} components of {about['org']}@{about['version']} to {out}"
    )


def _members(manifest: Path) -> list[str]:
    """A package.xml's members as TYPE:NAME (read here: it is the user's local file)."""
    from changeway.adapters.formats import parse_manifest

    return [f"{t}:{m}" for t, m in parse_manifest(manifest)]


def _write(archive: Path, out: Path, *, as_zip: bool) -> None:
    """Write an exported archive to ``out`` (the zip itself, or its files in a new folder),
    all or nothing: a file the file system refuses (a name too long for it, a full disk)
    is one clear line, and neither ``out`` nor folders made for it are left behind."""
    made: list[Path] = []
    scratch: Path | None = None
    try:
        made = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".changeway-export-", dir=out.parent))
        target = scratch / "out"
        with zipfile.ZipFile(archive) as zipped:
            if as_zip:
                shutil.copyfile(archive, target)
            else:
                for name in zipped.namelist():
                    dest = (target / name).resolve()
                    if not dest.is_relative_to(target.resolve()):
                        raise Refused(f"the archive names a path outside the folder: {name}")
                    _write_file(dest, zipped.read(name), shown=name)
                target.mkdir(exist_ok=True)
        if out.exists():
            out.rmdir()
        target.rename(out)
    except OSError as error:
        raise Refused(f"cannot write {out}: {error.strerror or error}") from None
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        if not out.exists():  # a failed export: remove the folders made for it, deepest first
            for folder in made:
                with suppress(OSError):
                    folder.rmdir()


def _write_file(dest: Path, data: bytes, *, shown: str) -> None:
    """Write one exported file, naming it (as the archive does) if the file system refuses."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    except OSError as error:
        raise Refused(f"cannot write {shown}: {error.strerror or error}") from None


@app.command("list")
def list_(
    ctx: typer.Context,
    org: str,
    type_: str | None = typer.Option(None, "--type", help="only components of this type"),
    json_: bool = _JSON,
) -> None:
    """The components of ORG[@VERSION], printed as they are read (a table a page at a time
    on a terminal; off one, a tab-separated line per component)."""
    with failures():
        found = pages(client(ctx), "metadata.list", org=org, type=type_)
        if json_:
            print_json_list(found)
            return
        shown = 0
        for page in found:
            rows = [
                (
                    e["type"],
                    e["name"],
                    str(len(e["files"])),
                    str(sum(f["size"] for f in e["files"])),
                )
                for e in page
            ]
            _print_rows(rows, header=not shown)
            shown += len(rows)
    if shown:
        return
    if type_:
        console.print(f"{org} holds no components of type {type_}")
    else:
        console.print(f"{org} holds no components: import some with `changeway metadata import`")


def _print_rows(rows: Sequence[tuple[str, ...]], *, header: bool) -> None:
    """Listing rows: a Rich table on a terminal, else plain tab-separated lines."""
    if not rows:
        return
    if console.is_terminal:
        table = Table(*_COLUMNS)
        for row in rows:
            table.add_row(*row)
        print_table(table)
        return
    lines = ["\t".join(row) for row in rows]
    if header:
        lines.insert(0, "\t".join(_COLUMNS))
    sys.stdout.write("\n".join(lines) + "\n")


_COLUMNS = ("Type", "Name", "Files", "Bytes")


@app.command("show")
def show(ctx: typer.Context, org: str, type_: str, name: str, json_: bool = _JSON) -> None:
    """One component of ORG[@VERSION] with its files."""
    with failures():
        component = client(ctx).call("metadata.show", org=org, type=type_, name=name)
    if json_:
        print_json(component)
        return
    for f in component["files"]:
        console.rule(escape(f["path"]))
        content = printable(f["content"]) if console.is_terminal else f["content"]
        console.print(content, highlight=False, markup=False)


@app.command("history")
def history(ctx: typer.Context, org: str, json_: bool = _JSON) -> None:
    """Every version of ORG: number, kind, author, reason, time, size."""
    with failures():
        versions = all_pages(client(ctx), "metadata.history", org=org)
    if json_:
        print_json(versions)
        return
    table = Table("Version", "Kind", "When", "Author", "Reason", "Components")
    for v in versions:
        table.add_row(
            str(v["number"]),
            v["kind"],
            v["created_at"][:19].replace("T", " "),
            v["author"],
            escape(v["reason"]),
            str(v["components"]),
        )
    print_table(table)


@app.command("where-used")
def where_used(ctx: typer.Context, org: str, type_: str, name: str, json_: bool = _JSON) -> None:
    """Which components of ORG[@VERSION] reference TYPE NAME, with file and line."""
    with failures():
        refs = client(ctx).call("metadata.where_used", org=org, type=type_, name=name)
    if json_:
        print_json(refs)
        return
    table = Table("Used by", "Where", "Why", title=f"Where {type_}:{name} is used")
    for r in refs:
        where = f"{r['file']}:{r['line']}" if r["line"] else r["file"]
        table.add_row(f"{r['type']}:{r['name']}", where, r["reason"])
    if refs:
        print_table(table)
    else:
        console.print(f"{type_}:{name} is not used by anything in {org}")
