"""The ``convert`` use case: source format <-> Metadata API format, all or nothing."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from changeway.adapters import formats
from changeway.domain.errors import Refused

TARGETS = ("mdapi", "source")


@dataclass(frozen=True)
class ConversionReport:
    """What a conversion produced."""

    to: str
    out: Path
    components: int
    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _check_out(out: Path) -> None:
    if out.is_dir() and any(out.iterdir()):
        raise Refused(f"{out} is not empty; choose a new or empty output folder")
    if out.exists() and not out.is_dir():
        raise Refused(f"{out} already exists")
    if not out.parent.is_dir():
        raise Refused(f"{out.parent} does not exist")


def convert(
    src: Path,
    out: Path,
    *,
    to: str,
    zip: bool = False,
    source_behavior_options: list[str] | None = None,
) -> ConversionReport:
    """Convert ``src`` into ``out`` (a folder, or a zip file with ``zip``); nothing on failure.

    ``source_behavior_options`` (opt-in decompositions) default to the source project's own.
    """
    if to not in TARGETS:
        raise Refused(f"--to must be one of {', '.join(TARGETS)}")
    if zip and to != "mdapi":
        raise Refused("--zip applies to --to mdapi only")
    _check_out(out)
    metadata = formats.read_metadata(src, source_behavior_options=source_behavior_options)
    options = metadata.source_behavior_options
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        target = scratch / "out"
        if to == "mdapi":
            written = formats.write_mdapi(
                metadata.components,
                target,
                api_version=metadata.api_version,
                zip=zip,
                destructive_pre=metadata.destructive_pre,
                destructive_post=metadata.destructive_post,
                source_behavior_options=options,
                registry_customizations=metadata.registry_customizations,
            )
        else:
            target.mkdir()
            written = formats.write_source(
                metadata.components,
                target,
                api_version=metadata.api_version,
                source_behavior_options=options,
                registry_customizations=metadata.registry_customizations,
            )
        if out.is_dir():
            out.rmdir()
        target.rename(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ConversionReport(to, out, len(metadata.components), written, metadata.skipped)
