"""Writers: source format (an SFDX project) and Metadata API format (folder or zip)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from changeway.adapters.formats import _zip
from changeway.adapters.formats._files import write_file
from changeway.adapters.formats._resources import packed_archive
from changeway.adapters.formats._to_mdapi import to_mdapi
from changeway.adapters.formats.limits import Budget
from changeway.adapters.formats.manifest import package_xml
from changeway.adapters.formats.reading import PROJECT_FILE
from changeway.adapters.formats.registry import registry
from changeway.domain.components import Component, ComponentKey
from changeway.domain.errors import InvalidMetadata


def _check_relative(rel: str) -> list[str]:
    """The parts of ``rel``, refused when it would escape the output folder."""
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or "" in parts or "\\" in rel:
        raise InvalidMetadata("file path escapes the output folder", path=rel)
    return parts


def _target(out_dir: Path, rel: str) -> Path:
    return out_dir.joinpath(*_check_relative(rel))


def _write_files(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write each file under ``out_dir``, making each folder once."""
    base = str(out_dir)
    made: set[str] = set()
    for rel, data in files.items():
        _check_relative(rel)
        folder, _, _name = rel.rpartition("/")
        if folder not in made:
            os.makedirs(f"{base}/{folder}" if folder else base, exist_ok=True)
            made.add(folder)
        write_file(f"{base}/{rel}", (data,))


def write_source(
    components: Iterable[Component],
    out_dir: str | Path,
    *,
    api_version: str | None = None,
    source_behavior_options: Iterable[str] = (),
    registry_customizations: Mapping[str, Any] | None = None,
) -> list[str]:
    """Write each file at its source path; add an ``sfdx-project.json`` when none is given.

    A static resource held as one archive is expanded into its folder, as Salesforce's
    converter lays it out, streamed to disk (``_resources``).
    """
    out = Path(out_dir)
    files: dict[str, bytes] = {}
    archives: list[tuple[str, bytes]] = []
    for component in components:
        archive = packed_archive(component)
        if archive is None:
            files.update(component.files)
            continue
        archives.append(archive)
        files.update((p, d) for p, d in component.files.items() if p != archive[0])
    if PROJECT_FILE not in files:
        roots = sorted({path.split("/", 1)[0] for path in files if "/" in path}) or ["force-app"]
        config: dict[str, object] = {
            "packageDirectories": [
                {"path": root, "default": index == 0} for index, root in enumerate(roots)
            ]
        }
        if api_version:
            config["sourceApiVersion"] = api_version
        if options := sorted(set(source_behavior_options)):
            config["sourceBehaviorOptions"] = options
        if registry_customizations:
            config["registryCustomizations"] = dict(registry_customizations)
        files[PROJECT_FILE] = (json.dumps(config, indent=2) + "\n").encode()
    _write_files(out, files)
    written = list(files)
    budget = Budget()
    for path, data in archives:
        folder = path.rpartition(".")[0]
        written += [f"{folder}/{m}" for m in _zip.extract(data, _target(out, folder), path, budget)]
    return sorted(written)


DEFAULT_API_VERSION = "62.0"
"""Version written to package.xml when none is known (Salesforce's converter uses the same)."""


def mdapi_files(
    components: Iterable[Component],
    *,
    api_version: str | None = None,
    destructive_pre: Iterable[ComponentKey] = (),
    destructive_post: Iterable[ComponentKey] = (),
    source_behavior_options: Iterable[str] = (),
    registry_customizations: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """Metadata API files (path -> bytes) with ``package.xml`` and destructive manifests.

    ``source_behavior_options`` and ``registry_customizations`` describe the layout the
    components' files follow (Salesforce's opt-in decompositions and project registry changes).
    """
    api_version = api_version or DEFAULT_API_VERSION
    reg = registry(source_behavior_options, registry_customizations)
    files, keys = to_mdapi(reg, components)
    files["package.xml"] = package_xml(keys, api_version)
    pre, post = list(destructive_pre), list(destructive_post)
    if pre:
        files["destructiveChangesPre.xml"] = package_xml(pre, api_version)
    if post:
        files["destructiveChangesPost.xml"] = package_xml(post, api_version)
    return files


def write_mdapi(
    components: Iterable[Component],
    out: str | Path,
    *,
    api_version: str | None = None,
    zip: bool = False,
    destructive_pre: Iterable[ComponentKey] = (),
    destructive_post: Iterable[ComponentKey] = (),
    source_behavior_options: Iterable[str] = (),
    registry_customizations: Mapping[str, Any] | None = None,
) -> list[str]:
    """Write Metadata API format to folder ``out`` (or to the zip file ``out``); list the paths."""
    files = mdapi_files(
        components,
        api_version=api_version,
        destructive_pre=destructive_pre,
        destructive_post=destructive_post,
        source_behavior_options=source_behavior_options,
        registry_customizations=registry_customizations,
    )
    if zip:
        with Path(out).open("wb") as target:
            _zip.pack_into(files, target)
    else:
        _write_files(Path(out), files)
    return sorted(files)
