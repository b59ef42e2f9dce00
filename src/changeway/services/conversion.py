"""The ``convert`` use case: source format <-> Metadata API format, all or nothing."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from changeway.adapters import formats
from changeway.domain.components import named_by_manifest
from changeway.domain.errors import InvalidMetadata, MetadataProblems, NotFound, Refused
from changeway.services.intake import strict_problems

TARGETS = ("mdapi", "source")


@dataclass(frozen=True)
class ConversionReport:
    """What a conversion produced, and what deserves a look (``warnings``, ``skipped``)."""

    to: str
    out: Path
    components: int
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[formats.Problem] = field(default_factory=list)


def _check_out(out: Path) -> None:
    if out.is_dir() and any(out.iterdir()):
        raise Refused(f"{out} is not empty; choose a new or empty output folder")
    if out.exists() and not out.is_dir():
        raise Refused(f"{out} already exists")
    if not out.parent.is_dir():
        raise Refused(f"{out.parent} does not exist")


def _select(metadata: formats.MetadataSet, manifest: Path) -> None:
    """Keep only the components ``manifest`` names (as ``sf project convert --manifest``)."""
    pairs = formats.parse_manifest(manifest)
    by_key = {c.key: c for c in metadata.components}
    try:
        keys = named_by_manifest(by_key, pairs, holder="the input")
    except NotFound as error:
        raise InvalidMetadata(str(error), path=str(manifest)) from None
    metadata.components = [by_key[k] for k in sorted(keys)]


def _write(metadata: formats.MetadataSet, target: Path, to: str, zip: bool) -> list[str]:
    layout: dict[str, Any] = {
        "api_version": metadata.api_version,
        "source_behavior_options": metadata.source_behavior_options,
        "registry_customizations": metadata.registry_customizations,
    }
    if to == "mdapi":
        return formats.write_mdapi(
            metadata.components,
            target,
            zip=zip,
            destructive_pre=metadata.destructive_pre,
            destructive_post=metadata.destructive_post,
            **layout,
        )
    target.mkdir()
    return formats.write_source(metadata.components, target, **layout)


def _write_atomically(metadata: formats.MetadataSet, out: Path, to: str, zip: bool) -> list[str]:
    """Write into a scratch folder beside ``out``, moved into place only when complete."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        target = scratch / "out"
        written = _write(metadata, target, to, zip)
        if out.is_dir():
            out.rmdir()
        target.rename(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def convert(
    src: Path,
    out: Path,
    *,
    to: str,
    zip: bool = False,
    source_behavior_options: list[str] | None = None,
    manifest: Path | None = None,
    strict: bool = False,
) -> ConversionReport:
    """Convert ``src`` into ``out`` (a folder, or a zip file with ``zip``); nothing on failure.

    ``source_behavior_options`` (opt-in decompositions) default to the source project's own;
    ``manifest`` keeps only what a package.xml names; ``strict`` refuses files of types the
    registry does not know and files that are not metadata, instead of warning about them.
    A failure to write (a file name too long, a full disk) is reported as one clear line.
    """
    if to not in TARGETS:
        raise Refused(f"unknown target format {to!r}: use one of {', '.join(TARGETS)}")
    if zip and to != "mdapi":
        raise Refused("a zip is written in Metadata API format (mdapi) only")
    _check_out(out)
    metadata = formats.read_metadata(src, source_behavior_options=source_behavior_options)
    if strict:
        MetadataProblems.raise_if_any(strict_problems(metadata))
    if manifest is not None:
        _select(metadata, manifest)
    try:
        written = _write_atomically(metadata, out, to, zip)
    except OSError as error:
        where = Path(error.filename).name if error.filename else out.name
        raise Refused(f"cannot write {where}: {error.strerror or error}") from None
    return ConversionReport(
        to, out, len(metadata.components), written, metadata.skipped, metadata.warnings
    )
