"""``read_metadata``: detect the input's format and read it into source-format components."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from changeway.adapters.formats import _safexml, _zip, limits
from changeway.adapters.formats._files import (
    LINK,
    NOT_REGULAR,
    read_file,
    read_regular_text,
    require_regular_file,
)
from changeway.adapters.formats._forceignore import ForceIgnore
from changeway.adapters.formats._from_mdapi import DEFAULT_ROOT, from_mdapi
from changeway.adapters.formats._source import Grouped, group_components
from changeway.adapters.formats.manifest import parse_manifest
from changeway.adapters.formats.model import MetadataSet
from changeway.adapters.formats.registry import Registry, registry
from changeway.adapters.formats.validation import deletion_problem
from changeway.domain.components import Component, ComponentKey
from changeway.domain.errors import InvalidMetadata, MetadataProblems

PROJECT_FILE = "sfdx-project.json"
MANIFESTS = {
    "package.xml": None,
    "destructiveChanges.xml": "post",
    "destructiveChangesPost.xml": "post",
    "destructiveChangesPre.xml": "pre",
}


def _walk(
    root: Path, base: Path, ignore: ForceIgnore, budget: limits.Budget
) -> tuple[dict[str, bytes], list[InvalidMetadata]]:
    """Files under ``root`` keyed by POSIX path relative to ``base``, minus ignored ones, and the
    entries refused (links, FIFOs, unreadable folders), every one of them."""
    files: dict[str, bytes] = {}
    refused: list[InvalidMetadata] = []
    prefix = ignore.relative(base)
    shift = "" if not prefix or prefix == "." else prefix + "/"

    def visit(folder: str, rel: str) -> None:
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError as error:
            refused.append(InvalidMetadata(f"cannot read the folder: {error.strerror}", path=rel))
            return
        for entry in entries:
            path = rel + entry.name
            if entry.is_dir(follow_symlinks=False):
                if not ignore.ignores_dir(shift + path):
                    visit(entry.path, path + "/")
            elif ignore.ignores_file(shift + path) or (
                entry.is_symlink() and ignore.ignores_dir(shift + path)
            ):
                continue
            elif entry.is_file(follow_symlinks=False):
                files[path] = read_file(entry.path, path, budget, scanned=True)
            else:
                refused.append(
                    InvalidMetadata(LINK if entry.is_symlink() else NOT_REGULAR, path=path)
                )

    start = root.relative_to(base).as_posix()
    visit(str(root), "" if start == "." else start + "/")
    return files, refused


@dataclass
class _Input:
    """One input being read: what it may still hold, and every problem found so far."""

    budget: limits.Budget = field(default_factory=limits.Budget)
    problems: list[InvalidMetadata] = field(default_factory=list)


def _project_config(root: Path, inp: _Input) -> dict[str, object]:
    data = read_file(root / PROJECT_FILE, PROJECT_FILE, inp.budget)
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidMetadata(f"not valid JSON: {error}", path=PROJECT_FILE) from None
    if not isinstance(config, dict) or not isinstance(config.get("packageDirectories"), list):
        raise InvalidMetadata("sfdx-project.json needs packageDirectories", path=PROJECT_FILE)
    return config


def _package_paths(config: dict[str, object], root: Path) -> list[str]:
    paths = []
    for entry in config["packageDirectories"]:  # type: ignore[attr-defined]
        raw = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidMetadata("a package directory has no path", path=PROJECT_FILE)
        clean = Path(raw.strip().replace("\\", "/")).as_posix().strip("/")
        resolved = (root / clean).resolve()
        if clean.startswith("..") or not resolved.is_relative_to(root.resolve()):
            raise InvalidMetadata(
                f"package directory {raw!r} is outside the project", path=PROJECT_FILE
            )
        if not resolved.is_dir():
            raise InvalidMetadata(f"package directory {raw!r} does not exist", path=PROJECT_FILE)
        paths.append(clean)
    return paths


def _options(config: dict[str, object]) -> list[str]:
    """The project's ``sourceBehaviorOptions`` (strings only, sorted, no duplicates)."""
    raw = config.get("sourceBehaviorOptions")
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InvalidMetadata("sourceBehaviorOptions must be a list of names", path=PROJECT_FILE)
    return sorted(set(raw))


def _customizations(config: dict[str, object]) -> dict[str, Any]:
    """The project's ``registryCustomizations`` block (an object), empty when there is none."""
    raw = config.get("registryCustomizations")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidMetadata("registryCustomizations must be an object", path=PROJECT_FILE)
    return raw


def _merge(result: MetadataSet, part: MetadataSet) -> None:
    result.components.extend(part.components)
    result.skipped.extend(part.skipped)
    result.warnings.extend(part.warnings)
    result.destructive_pre.extend(part.destructive_pre)
    result.destructive_post.extend(part.destructive_post)


def _read_source(folder: Path, base: Path, reg: Registry, result: MetadataSet, inp: _Input) -> None:
    """Add the components of the source-format package folder ``folder`` to ``result``."""
    files, refused = _walk(folder, base, ForceIgnore.find(folder), inp.budget)
    inp.problems.extend(refused)
    package = folder.relative_to(base).as_posix()
    _add(result, group_components(reg, package, files), inp)


def _add(result: MetadataSet, grouped: Grouped, inp: _Input) -> None:
    result.components.extend(grouped.components)
    result.skipped.extend(grouped.skipped)
    result.warnings.extend(grouped.warnings)
    inp.problems.extend(grouped.problems)


def _read_project(
    root: Path, options: list[str] | None, customizations: dict[str, Any] | None, inp: _Input
) -> MetadataSet:
    config = _project_config(root, inp)
    options = _options(config) if options is None else options
    custom = _customizations(config) if customizations is None else customizations
    reg = registry(options, custom)
    result = MetadataSet(
        package_directories=_package_paths(config, root),
        source_behavior_options=options,
        registry_customizations=custom,
    )
    version = config.get("sourceApiVersion")
    result.api_version = version if isinstance(version, str) else None
    for package in result.package_directories:
        if (root / package / "package.xml").is_file():
            # A package directory in Metadata API format (older projects): read it as such
            # rather than dropping every file that is not in source format.
            _merge(result, _read_mdapi_folder(root / package, options, custom, inp))
            continue
        _read_source(root / package, root, reg, result, inp)
    result.components = _join_packages(reg, result.components, inp)
    return result


def _join_packages(reg: Registry, components: list[Component], inp: _Input) -> list[Component]:
    """One component per key across package directories.

    An object (or translation, bot) split over several package directories is one component,
    its files in package order: Salesforce keeps the first package's own file of the parent
    and merges the children of all. Labels files are one component anyway. Any other
    component found in two package directories is an error.
    """
    joined: dict[ComponentKey, Component] = {}
    for component in components:
        first = joined.get(component.key)
        if first is None:
            joined[component.key] = component
            continue
        mdtype = reg.get(component.type)
        if mdtype is not None and (mdtype.layout == "decomposed" or mdtype.fixed_name):
            files = {**first.files, **component.files}
            joined[component.key] = Component(first.type, first.name, files)
            continue
        inp.problems.append(
            InvalidMetadata(
                f"{component.key} is also in {next(iter(first.files), '?')}: a component may"
                " be in one package directory only",
                path=next(iter(component.files), None),
            )
        )
    return list(joined.values())


def _read_package_dir(
    folder: Path, options: list[str], custom: dict[str, Any], inp: _Input
) -> MetadataSet:
    result = MetadataSet(
        package_directories=[folder.name],
        source_behavior_options=options,
        registry_customizations=custom,
    )
    _read_source(folder, folder.parent, registry(options, custom), result, inp)
    result.api_version = _nearest_api_version(folder)
    return result


def _nearest_api_version(folder: Path) -> str | None:
    """``sourceApiVersion`` of the closest ``sfdx-project.json`` above a package folder."""
    for parent in folder.resolve().parents:
        text = read_regular_text(parent / PROJECT_FILE)
        if text is not None:
            try:
                version = json.loads(text).get("sourceApiVersion")
            except (json.JSONDecodeError, AttributeError):
                return None
            return version if isinstance(version, str) else None
    return None


def _read_mdapi(
    files: dict[str, bytes], where: str, options: list[str], custom: dict[str, Any], inp: _Input
) -> MetadataSet:
    manifests = {name: files.pop(name) for name in list(files) if name in MANIFESTS}
    result = MetadataSet(
        package_directories=[DEFAULT_ROOT.split("/")[0]],
        source_behavior_options=options,
        registry_customizations=custom,
    )
    package = manifests.get("package.xml")
    if package is not None:
        root = _safexml.check(package, f"{where}/package.xml")
        version = [c for c in root if isinstance(c.tag, str) and c.tag.endswith("version")]
        result.api_version = (version[0].text or "").strip() or None if version else None
    for name, kind in MANIFESTS.items():
        if kind and name in manifests:
            target = result.destructive_pre if kind == "pre" else result.destructive_post
            for pair in parse_manifest(manifests[name], name):
                key = ComponentKey(*pair)
                problem = deletion_problem(key)
                if problem:
                    inp.problems.append(InvalidMetadata(problem, path=f"{where}/{name}"))
                target.append(key)
    _add(result, from_mdapi(registry(options, custom), files, inp.budget), inp)
    return result


def _read_mdapi_folder(
    folder: Path, options: list[str], custom: dict[str, Any], inp: _Input
) -> MetadataSet:
    files, refused = _walk(folder, folder, ForceIgnore.find(folder), inp.budget)
    inp.problems.extend(refused)
    return _read_mdapi(files, folder.name, options, custom, inp)


def _mdapi_root(files: dict[str, bytes], where: str) -> tuple[dict[str, bytes], list[str]]:
    """Files relative to the folder holding ``package.xml`` (zips often wrap one folder), and
    the members outside that folder (reported as skipped, never silently dropped)."""
    roots = sorted((p for p in files if p.rpartition("/")[2] == "package.xml"), key=len)
    if not roots:
        raise InvalidMetadata("no package.xml in the archive", path=where)
    prefix = roots[0][: -len("package.xml")]
    inside = {p[len(prefix) :]: d for p, d in files.items() if p.startswith(prefix)}
    return inside, sorted(f"{where}/{p}" for p in files if not p.startswith(prefix))


def _read(
    source: Path, given: list[str] | None, custom_given: dict[str, Any] | None, inp: _Input
) -> MetadataSet:
    options, custom = given or [], custom_given or {}
    if source.is_file():
        if source.suffix.lower() != ".zip":
            raise InvalidMetadata(
                "expected a folder or a .zip of Metadata API files", path=source.name
            )
        data = read_file(source, source.name, limits.Budget())
        files = _zip.unpack(data, source.name, inp.budget)
        inside, outside = _mdapi_root(files, source.name)
        result = _read_mdapi(inside, source.name, options, custom, inp)
        result.skipped = sorted([*result.skipped, *outside])
        return result
    if source.exists() and not source.is_dir():
        raise InvalidMetadata(NOT_REGULAR, path=str(source))
    if not source.is_dir():
        raise InvalidMetadata("no such file or folder", path=str(source))
    if (source / PROJECT_FILE).is_file():
        return _read_project(source, given, custom_given, inp)
    if (source / "package.xml").is_file():
        return _read_mdapi_folder(source, options, custom, inp)
    return _read_package_dir(source, options, custom, inp)


def read_metadata(
    path: str | Path,
    *,
    source_behavior_options: Iterable[str] | None = None,
    registry_customizations: Mapping[str, Any] | None = None,
    problems: list[InvalidMetadata] | None = None,
    max_files: int | None = None,
) -> MetadataSet:
    """Read an SFDX project, a package directory, an mdapi folder or an mdapi ``.zip``.

    ``source_behavior_options`` (Salesforce's opt-in decompositions) and
    ``registry_customizations`` default to the project's own for an SFDX project and to none
    otherwise; Metadata API input is decomposed by them. Files that cannot be read or placed
    are reported together (``MetadataProblems``), or added to ``problems`` when the caller
    collects them with its own; caps hold for the whole input (``limits``; ``max_files`` is
    the operator's file cap, ``limits.MAX_FILES`` when not set).
    """
    given = None if source_behavior_options is None else sorted(set(source_behavior_options))
    custom = None if registry_customizations is None else dict(registry_customizations)
    inp = _Input(limits.Budget(max_files))
    result = _read(Path(path), given, custom, inp)
    if problems is None:
        MetadataProblems.raise_if_any(inp.problems)
    else:
        problems.extend(inp.problems)
    result.components.sort(key=lambda c: c.key)
    return result


def unpack_archive(archive: Path, folder: Path, *, max_files: int | None = None) -> Path:
    """Extract an uploaded zip (any project layout) under ``folder`` with the checks every
    zip gets; the folder to read (the one folder a zip wraps, if it wraps one). The archive
    is read from its file member by member, never whole into memory (``max_files``: as for
    ``read_metadata``)."""
    require_regular_file(archive, archive.name)
    _zip.extract(archive, folder, archive.name, limits.Budget(max_files))
    entries = list(folder.iterdir())
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
