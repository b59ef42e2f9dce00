"""Operations on org metadata: import, export, list, show, history, where-used, compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from changeway.domain.components import ComponentKey
from changeway.domain.permissions import Actor
from changeway.operations import Download, page_view
from changeway.operations.changesets import parse_key
from changeway.services import compare as comparing
from changeway.services import dependencies, intake, metadata
from changeway.services.context import Context
from changeway.views import (
    comparison_view,
    component_entry_view,
    component_view,
    import_view,
    usage_view,
    version_view,
)


def import_(
    ctx: Context,
    actor: Actor,
    *,
    org: str,
    archive: str,
    replace: bool = False,
    allow_empty: bool = False,
    message: str | None = None,
    origin: str = "",
    strict: bool = False,
) -> dict[str, Any]:
    """Load a project (folder or zip) into ORG; it is read and checked before any write
    (``strict``: files of unknown types and files that are not metadata are refused too)."""
    path = Path(archive)
    incoming = intake.read_checked(path, strict=strict, max_files=ctx.max_input_files)
    result = metadata.import_metadata(
        ctx,
        actor=actor,
        org=org,
        incoming=incoming,
        replace_all=replace,
        allow_empty=allow_empty,
        message=message,
        origin=origin or path.name,
    )
    return import_view(result)


def export(
    ctx: Context,
    actor: Actor,
    *,
    org: str,
    format: str,
    members: list[str] | None = None,
) -> Download:
    """ORG[@N] as a zip archive in source or Metadata API format (``members``: TYPE:NAME,
    ``*`` for a whole type, as a package.xml names them)."""
    metadata.check_format(format)
    pairs = [_pair(m) for m in members] if members is not None else None
    export = metadata.export_metadata(ctx, actor=actor, org=org, members=pairs)
    label = f"{export.org.name}@{export.version.number}"
    return Download(
        metadata.export_archive(export, fmt=format),
        f"{label}-{format}.zip",
        {
            "org": export.org.name,
            "version": export.version.number,
            "components": len(export.components),
        },
    )


def _pair(text: str) -> tuple[str, str]:
    key = parse_key(text)
    return key.type, key.name


def list_(
    ctx: Context,
    actor: Actor,
    *,
    org: str,
    type: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The components of ORG[@N] (``search``: part of their names)."""
    page = metadata.list_components(
        ctx, actor=actor, org=org, type_=type, search=search, cursor=cursor, limit=limit
    )
    return page_view(page, component_entry_view)


def show(ctx: Context, actor: Actor, *, org: str, type: str, name: str) -> dict[str, Any]:
    """One component of ORG[@N] with its files."""
    return component_view(
        metadata.show_component(ctx, actor=actor, org=org, key=ComponentKey(type, name))
    )


def where_used(
    ctx: Context, actor: Actor, *, org: str, type: str, name: str
) -> list[dict[str, Any]]:
    """Which components of ORG[@N] reference TYPE NAME."""
    refs = dependencies.where_used(ctx, actor=actor, org=org, key=ComponentKey(type, name))
    return [usage_view(r) for r in refs]


def history(
    ctx: Context, actor: Actor, *, org: str, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Every version of ORG."""
    return page_view(
        metadata.history(ctx, actor=actor, org=org, cursor=cursor, limit=limit), version_view
    )


def compare(ctx: Context, actor: Actor, *, a: str, b: str, diff: bool = False) -> dict[str, Any]:
    """What differs from A[@N] to B[@N]."""
    result = comparing.compare(ctx, actor=actor, a=a, b=b, with_diffs=diff)
    return comparison_view(result, with_diffs=diff)
