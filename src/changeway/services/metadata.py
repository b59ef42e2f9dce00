"""Org metadata: import, export, list, show, history, and the direct-changes setting."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.domain import tree
from changeway.domain.clock import Clock
from changeway.domain.components import Component, ComponentKey
from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.audit import record
from changeway.services.intake import project_settings, read_checked, writer_options
from changeway.services.lookup import resolve_org
from changeway.services.ports import UnitOfWork
from changeway.services.versions import (
    commit_version,
    component_file_refs,
    component_index,
    head_version,
    load_components,
    resolve_version,
    store_components,
)


@dataclass(frozen=True)
class ImportResult:
    """What an import changed; ``version`` is None when nothing changed.

    ``skipped`` lists the input files that belong to no metadata component (not imported).
    """

    org: Org
    version: OrgVersion | None
    added: list[ComponentKey]
    changed: list[ComponentKey]
    deleted: list[ComponentKey]
    skipped: list[str] = field(default_factory=list)


def import_metadata(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: str,
    org: str,
    path: Path,
    replace_all: bool = False,
    message: str | None = None,
) -> ImportResult:
    """Merge (or with ``replace_all``, make the org exactly) the metadata at ``path``.

    The input is read and checked in full before anything is written.
    """
    target = resolve_org(uow, org)
    target.require_active("change the metadata of")
    if not target.allow_direct_changes:
        raise Refused(
            f"{target.name} refuses direct metadata changes: only change sets along authorized"
            f" paths change it (an admin may allow them with"
            f" `changeway org set {target.name} --allow-direct-changes true`)"
        )
    incoming = read_checked(path)
    head = head_version(uow, target)
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
    if not differences:
        return ImportResult(target, None, [], [], [], incoming.skipped)
    now = clock.now()
    reason = message or f"import of {path.name}"
    version = commit_version(
        uow,
        org=target,
        root=root,
        kind=VersionKind.IMPORT,
        author=actor,
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
    return ImportResult(
        updated,
        version,
        added,
        changed,
        deleted,
        incoming.skipped,
    )


def set_direct_changes(
    uow: UnitOfWork, *, clock: Clock, actor: str, org: str, allowed: bool
) -> Org:
    """Allow or refuse direct metadata changes (imports) in an org."""
    target = resolve_org(uow, org)
    target.require_active("change the settings of")
    updated = replace(target, allow_direct_changes=allowed)
    uow.orgs.save(updated)
    record(
        uow,
        at=clock.now(),
        actor=actor,
        action="org.settings_changed",
        org=target,
        allow_direct_changes=allowed,
    )
    uow.commit()
    return updated


@dataclass(frozen=True)
class ComponentEntry:
    """A component as a listing shows it: key and file paths with sizes."""

    key: ComponentKey
    files: list[tree.FileRef]


def list_components(uow: UnitOfWork, *, org: str, type_: str | None = None) -> list[ComponentEntry]:
    """The components of ``ORG[@N]``, optionally of one type, in key order."""
    ref = resolve_version(uow, org)
    index = component_index(uow, ref.version.root, type_=type_)
    refs = component_file_refs(uow, index)
    return [ComponentEntry(key, refs[key]) for key in sorted(index)]


def show_component(uow: UnitOfWork, *, org: str, key: ComponentKey) -> Component:
    """One component of ``ORG[@N]`` with its files' contents."""
    ref = resolve_version(uow, org)
    digest = tree.lookup(uow.metadata, ref.version.root, key)
    if digest is None:
        raise NotFound(f"{ref.org.name} has no component {key}")
    return load_components(uow, {key: digest})[0]


def history(uow: UnitOfWork, *, org: str) -> list[OrgVersion]:
    """Every version of the org, oldest first."""
    return uow.metadata.versions(resolve_org(uow, org).id)


@dataclass(frozen=True)
class ExportResult:
    """Where an export went and what it held."""

    org: Org
    version: OrgVersion
    components: int
    out: Path


def export_metadata(
    uow: UnitOfWork,
    *,
    org: str,
    out: Path,
    fmt: str,
    zip_output: bool = False,
    manifest: Path | None = None,
) -> ExportResult:
    """Write ``ORG[@N]`` (or the part a package.xml names) in source or Metadata API format."""
    if fmt not in ("source", "mdapi"):
        raise Refused(f"unknown format {fmt!r}: use source or mdapi")
    if zip_output and fmt != "mdapi":
        raise Refused("--zip goes with --format mdapi")
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise Refused(f"{out} exists and is not empty; give a new folder")
    ref = resolve_version(uow, org)
    index = component_index(uow, ref.version.root)
    if manifest is not None:
        index = _select(index, formats.parse_manifest(manifest))
    components = load_components(uow, index)
    _write_atomically(components, out, fmt=fmt, zip_output=zip_output, project=ref.org.project)
    return ExportResult(ref.org, ref.version, len(components), out)


def _select(
    index: dict[ComponentKey, str], members: list[tuple[str, str]]
) -> dict[ComponentKey, str]:
    """The components a manifest names (``*`` selects every member of a type)."""
    wanted_types = {t for t, m in members if m == "*"}
    wanted = {ComponentKey(t, m) for t, m in members if m != "*"}
    missing = sorted(k for k in wanted if k not in index)
    if missing:
        raise NotFound("the org has no " + ", ".join(str(k) for k in missing[:10]))
    return {k: h for k, h in index.items() if k in wanted or k.type in wanted_types}


def _write_atomically(
    components: list[Component],
    out: Path,
    *,
    fmt: str,
    zip_output: bool,
    project: Mapping[str, Any],
) -> None:
    """Write into a scratch folder beside ``out`` and move it into place only when complete,
    laid out as the org's project is (API version, opt-in decompositions)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".changeway-export-", dir=out.parent))
    try:
        target = scratch / "out"
        if fmt == "source":
            formats.write_source(components, target, **writer_options(project))
        else:
            formats.write_mdapi(components, target, zip=zip_output, **writer_options(project))
        if out.exists():
            out.rmdir()
        target.rename(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
