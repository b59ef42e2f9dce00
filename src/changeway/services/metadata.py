"""Org metadata: import, export, list, show, history (docs/model.md, "Metadata and versions").

Services take and return data: an import takes a ``MetadataSet`` read (and checked) before
any transaction starts; an export returns components, which ``export_archive`` lays out in
source or Metadata API format, as one zip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.domain import tree
from changeway.domain.components import (
    Component,
    ComponentKey,
    case_clashes,
    named_by_manifest,
)
from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor, Permission
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.intake import project_settings, writer_options
from changeway.services.kept import Kept
from changeway.services.lookup import locked, org_for
from changeway.services.paging import Page, page_of
from changeway.services.ports import UnitOfWork
from changeway.services.type_names import require_known_type
from changeway.services.versions import (
    commit_version,
    component_index,
    head_version,
    load_components,
    resolve_version,
    store_components,
)

FORMATS = ("source", "mdapi")


@dataclass(frozen=True)
class ImportResult:
    """What an import changed; ``version`` is None when nothing changed.

    ``skipped`` lists the input files that belong to no metadata component (not imported);
    ``warnings`` what was imported but deserves a look (unknown types, sibling roots).
    """

    org: Org
    version: OrgVersion | None
    added: list[ComponentKey]
    changed: list[ComponentKey]
    deleted: list[ComponentKey]
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _refuse_case_clashes(uow: UnitOfWork, root: str, incoming: formats.MetadataSet) -> None:
    """An incoming name that differs from one the org holds only by case would be the same
    component in Salesforce: refuse it, naming the org's spelling."""
    existing: list[ComponentKey] = []
    for type_name in sorted({c.type for c in incoming.components}):
        existing.extend(component_index(uow, root, type_=type_name))
    clashes = case_clashes((c.key for c in incoming.components), existing)
    if clashes:
        raise Refused(
            "; ".join(
                f"{key} differs from {first} only by case (Salesforce names are case-insensitive)"
                for key, first in clashes[:10]
            ),
            details={"rule": "case_insensitive_names"},
        )


def _refuse_emptying(target: Org, count: int) -> None:
    """Refuse to replace ``count`` components by nothing unless it was asked for explicitly."""
    if count:
        raise Refused(
            f"the input holds no components: replacing would delete all {count} components"
            f" of {target.name}; nothing was changed",
            details={"rule": "replace_with_nothing", "count": count},
        )


def import_metadata(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    incoming: formats.MetadataSet,
    replace_all: bool = False,
    allow_empty: bool = False,
    message: str | None = None,
    origin: str = "an import",
) -> ImportResult:
    """Merge (or with ``replace_all``, make the org exactly) ``incoming``, read and checked
    by the caller (``intake.read_checked``) before this write transaction starts. Replacing
    an org's metadata by an input holding no components needs ``allow_empty``: it would
    delete every component."""
    with ctx.uow() as uow:
        target = org_for(
            uow, actor, org, Permission.MODIFY_METADATA, action=f"change {org}'s metadata"
        )
        target = locked(uow, target)
        target.require_active("change the metadata of")
        target.require_direct_changes()
        head = head_version(uow, target)
        if replace_all and not incoming.components and not allow_empty:
            _refuse_emptying(target, sum(tree.count(uow.metadata, head.root).values()))
        if not replace_all:
            _refuse_case_clashes(uow, head.root, incoming)
        hashes = store_components(uow, incoming.components)
        changes: dict[ComponentKey, str | None] = dict(hashes)
        for key in (*incoming.destructive_pre, *incoming.destructive_post):
            changes[key] = None
        if replace_all:
            for key in component_index(uow, head.root):
                changes.setdefault(key, None)
        root = tree.apply_changes(uow.metadata, head.root, changes)
        differences = tree.diff(uow.metadata, head.root, root)
        added = [d.key for d in differences if d.before is None]
        deleted = [d.key for d in differences if d.after is None]
        changed = [d.key for d in differences if d.before and d.after]
        warnings = [str(w) for w in incoming.warnings]
        if not differences:
            return ImportResult(target, None, [], [], [], incoming.skipped, warnings)
        now = ctx.clock.now()
        reason = message or f"import of {origin}"
        version = commit_version(
            uow,
            org=target,
            root=root,
            kind=VersionKind.IMPORT,
            author=actor.label,
            reason=reason,
            at=now,
            parent_id=head.id,
        )
        record(
            uow,
            at=now,
            actor=actor,
            action="metadata.imported",
            org=target,
            version=version.number,
            added=len(added),
            changed=len(changed),
            deleted=len(deleted),
            replace=replace_all,
            reason=reason,
        )
        updated = replace(
            target, head_version_id=version.id, project=project_settings(incoming, target.project)
        )
        uow.orgs.save(updated)
        uow.commit()
    return ImportResult(updated, version, added, changed, deleted, incoming.skipped, warnings)


@dataclass(frozen=True)
class ComponentEntry:
    """A component as a listing shows it: key and file paths with sizes."""

    key: ComponentKey
    files: list[tree.FileRef]


def list_components(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    type_: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ComponentEntry]:
    """The components of ``ORG[@N]``, optionally of one type and with ``search`` in their
    names (case-insensitively), in key order, paged."""
    with ctx.uow(read_only=True) as uow:
        ref = resolve_version(uow, actor, org)
        found = _listing(uow, ref.version.root, type_, (search or "").strip().lower())
        page = page_of(found, cursor=cursor, limit=limit)
        # Nodes by their hash strings: no component key is hashed (costly per row).
        nodes = uow.metadata.get_nodes({h for _k, h in page.items})
    entries = [ComponentEntry(k, tree.component_files(nodes[h])) for k, h in page.items]
    return Page(entries, page.next_cursor)


#: Sorted listings by (version root, type, search): a root never changes, and a long
#: listing is read a page at a time (without this, every page would walk the whole tree).
#: The oldest are dropped beyond 250,000 entries in all (a server's memory).
_LISTINGS: Kept[tuple[str, str | None, str], list[tuple[ComponentKey, str]]] = Kept(
    250_000, weight=len
)


def _listing(
    uow: UnitOfWork, root: str, type_: str | None, wanted: str
) -> list[tuple[ComponentKey, str]]:
    """The components of the tree ``root`` (of ``type_``, with ``wanted`` in their
    lower-cased names) in key order, with their content hashes."""
    cached = _LISTINGS.get((root, type_, wanted))
    if cached is not None:
        return cached
    every = tree.iter_components(uow.metadata, root, type_=type_)  # in key order
    found = [(k, h) for k, h in every if wanted in k.name.lower()] if wanted else list(every)
    if type_ and not found and not tree.count(uow.metadata, root).get(type_):
        require_known_type(type_, held=lambda _t: False)
    return _LISTINGS.put((root, type_, wanted), found)


#: Type counts by version root. A root is the hash of a version's content, so its counts
#: never change; the web UI asks for them on every page of the metadata browser.
_TYPE_COUNTS: Kept[str, dict[str, int]] = Kept(64)


def component_types(ctx: Context, *, actor: Actor, org: str) -> dict[str, int]:
    """How many components of each type ``ORG[@N]`` holds, by type name."""
    with ctx.uow(read_only=True) as uow:
        root = resolve_version(uow, actor, org).version.root
        cached = _TYPE_COUNTS.get(root)
        if cached is not None:
            return cached
        counts: dict[str, int] = {}
        for key in component_index(uow, root):
            counts[key.type] = counts.get(key.type, 0) + 1
    return _TYPE_COUNTS.put(root, dict(sorted(counts.items())))


def show_component(ctx: Context, *, actor: Actor, org: str, key: ComponentKey) -> Component:
    """One component of ``ORG[@N]`` with its files' contents."""
    with ctx.uow(read_only=True) as uow:
        ref = resolve_version(uow, actor, org)
        digest = tree.lookup(uow.metadata, ref.version.root, key)
        if digest is None:
            raise NotFound(f"{ref.org.name} has no component {key}")
        return load_components(uow, {key: digest})[0]


def history(
    ctx: Context, *, actor: Actor, org: str, cursor: str | None = None, limit: int | None = None
) -> Page[OrgVersion]:
    """The org's versions, oldest first, paged."""
    with ctx.uow(read_only=True) as uow:
        versions = uow.metadata.versions(org_for(uow, actor, org).id)
    return page_of(versions, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class Export:
    """The components of an org version, and how the org lays out its project."""

    org: Org
    version: OrgVersion
    components: list[Component]

    @property
    def project(self) -> Mapping[str, Any]:
        return self.org.project


def export_metadata(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    members: list[tuple[str, str]] | None = None,
) -> Export:
    """The components of ``ORG[@N]``, or those a manifest's ``members`` name (``*`` for
    every member of a type)."""
    with ctx.uow(read_only=True) as uow:
        ref = resolve_version(uow, actor, org)
        index = component_index(uow, ref.version.root)
        if members is not None:
            wanted = named_by_manifest(index, members, holder=ref.org.name)
            index = {k: h for k, h in index.items() if k in wanted}
        components = load_components(uow, index)
    return Export(ref.org, ref.version, components)


def check_format(fmt: str, *, zip_output: bool = False) -> None:
    """Refuse an unknown export format, or a zip of source format."""
    if fmt not in FORMATS:
        raise Refused(f"unknown format {fmt!r}: use source or mdapi")
    if zip_output and fmt != "mdapi":
        raise Refused("a zip is written in Metadata API format (mdapi) only")


def export_archive(export: Export, *, fmt: str) -> Path:
    """An export as one zip archive in a new temporary file that the caller owns (for
    clients of a server: written to disk, never built in memory); a file the file system
    refuses is one clear line, not a server error."""
    check_format(fmt)
    handle, name = tempfile.mkstemp(prefix="changeway-export-", suffix=".zip")
    os.close(handle)
    archive = Path(name)
    try:
        _archive(export, archive, fmt=fmt)
    except OSError as error:
        archive.unlink(missing_ok=True)
        name = Path(error.filename).name if error.filename else export.org.name
        raise Refused(f"cannot export {name}: {error.strerror or error}") from None
    except BaseException:
        archive.unlink(missing_ok=True)
        raise
    return archive


def _archive(export: Export, archive: Path, *, fmt: str) -> None:
    """Write the export in a scratch folder and zip it into ``archive``."""
    with tempfile.TemporaryDirectory(prefix="changeway-export-") as scratch:
        target = Path(scratch) / "out"
        if fmt == "mdapi":
            _write(export, target, fmt=fmt, zip_output=True)
            shutil.move(target, archive)
            return
        _write(export, target, fmt=fmt, zip_output=False)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(p for p in target.rglob("*") if p.is_file()):
                out.write(path, path.relative_to(target).as_posix())


def _write(export: Export, target: Path, *, fmt: str, zip_output: bool) -> None:
    options = writer_options(export.project)
    if fmt == "source":
        formats.write_source(export.components, target, **options)
    else:
        formats.write_mdapi(export.components, target, zip=zip_output, **options)
