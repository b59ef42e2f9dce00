"""``read_metadata``: detect the input's format and read it into source-format components."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from changeway.adapters.formats import _safexml, _zip, limits
from changeway.adapters.formats._forceignore import ForceIgnore
from changeway.adapters.formats._from_mdapi import DEFAULT_ROOT, from_mdapi
from changeway.adapters.formats._source import group_components
from changeway.adapters.formats.manifest import parse_manifest
from changeway.adapters.formats.model import MetadataSet
from changeway.adapters.formats.registry import registry
from changeway.domain.components import ComponentKey
from changeway.domain.errors import InvalidMetadata

PROJECT_FILE = "sfdx-project.json"
MANIFESTS = {
    "package.xml": None,
    "destructiveChanges.xml": "post",
    "destructiveChangesPost.xml": "post",
    "destructiveChangesPre.xml": "pre",
}


def _read_file(path: Path, shown: str) -> bytes:
    size = path.stat().st_size
    if size > limits.MAX_FILE_BYTES:
        raise InvalidMetadata(f"file is larger than {limits.MAX_FILE_BYTES} bytes", path=shown)
    return path.read_bytes()


def _walk(root: Path, base: Path, ignore: ForceIgnore) -> dict[str, bytes]:
    """Files under ``root`` keyed by POSIX path relative to ``base``, minus ignored ones."""
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        rel = Path(folder).relative_to(base).as_posix()
        rel = "" if rel == "." else rel + "/"
        dirs[:] = sorted(d for d in dirs if not ignore.ignores_dir(rel + d))
        for name in sorted(names):
            path = rel + name
            if ignore.ignores_file(path):
                continue
            full = Path(folder, name)
            if full.is_symlink():
                raise InvalidMetadata("symbolic links are not accepted", path=path)
            files[path] = _read_file(full, path)
    return files


def _project_config(root: Path) -> dict[str, object]:
    path = root / PROJECT_FILE
    try:
        config = json.loads(path.read_text("utf-8"))
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


def _read_project(
    root: Path, options: list[str] | None, customizations: dict[str, Any] | None
) -> MetadataSet:
    config = _project_config(root)
    ignore = ForceIgnore.for_project(root)
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
            part = read_metadata(
                root / package, source_behavior_options=options, registry_customizations=custom
            )
            result.components.extend(part.components)
            result.skipped.extend(part.skipped)
            result.destructive_pre.extend(part.destructive_pre)
            result.destructive_post.extend(part.destructive_post)
            continue
        files = _walk(root / package, root, ignore)
        components, skipped = group_components(reg, package, files)
        result.components.extend(components)
        result.skipped.extend(skipped)
    return _finish(result)


def _read_package_dir(folder: Path, options: list[str], custom: dict[str, Any]) -> MetadataSet:
    ignore = ForceIgnore.for_project(
        folder if (folder / ".forceignore").is_file() else folder.parent
    )
    files = _walk(folder, folder.parent, ignore)
    components, skipped = group_components(registry(options, custom), folder.name, files)
    result = MetadataSet(
        components,
        package_directories=[folder.name],
        skipped=skipped,
        source_behavior_options=options,
        registry_customizations=custom,
    )
    result.api_version = _nearest_api_version(folder)
    return _finish(result)


def _nearest_api_version(folder: Path) -> str | None:
    """``sourceApiVersion`` of the closest ``sfdx-project.json`` above a package folder."""
    for parent in folder.resolve().parents:
        if (parent / PROJECT_FILE).is_file():
            try:
                version = json.loads((parent / PROJECT_FILE).read_text("utf-8")).get(
                    "sourceApiVersion"
                )
            except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
                return None
            return version if isinstance(version, str) else None
    return None


def _read_mdapi(
    files: dict[str, bytes], where: str, options: list[str], custom: dict[str, Any]
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
            pairs = parse_manifest(manifests[name])
            target = result.destructive_pre if kind == "pre" else result.destructive_post
            target.extend(ComponentKey(t, m) for t, m in pairs)
    result.components, result.skipped = from_mdapi(registry(options, custom), files)
    return _finish(result)


def _mdapi_root(files: dict[str, bytes], where: str) -> dict[str, bytes]:
    """Files relative to the folder holding ``package.xml`` (zips often wrap one folder)."""
    roots = sorted((p for p in files if p.rpartition("/")[2] == "package.xml"), key=len)
    if not roots:
        raise InvalidMetadata("no package.xml in the archive", path=where)
    prefix = roots[0][: -len("package.xml")]
    return {p[len(prefix) :]: d for p, d in files.items() if p.startswith(prefix)}


def _finish(result: MetadataSet) -> MetadataSet:
    result.components.sort(key=lambda c: c.key)
    return result


def read_metadata(
    path: str | Path,
    *,
    source_behavior_options: Iterable[str] | None = None,
    registry_customizations: Mapping[str, Any] | None = None,
) -> MetadataSet:
    """Read an SFDX project, a package directory, an mdapi folder or an mdapi ``.zip``.

    ``source_behavior_options`` (Salesforce's opt-in decompositions) and
    ``registry_customizations`` default to the project's own for an SFDX project and to none
    otherwise; Metadata API input is decomposed by them.
    """
    source = Path(path)
    given = None if source_behavior_options is None else sorted(set(source_behavior_options))
    options = given or []
    custom_given = None if registry_customizations is None else dict(registry_customizations)
    custom = custom_given or {}
    if source.is_file():
        if source.suffix.lower() != ".zip":
            raise InvalidMetadata(
                "expected a folder or a .zip of Metadata API files", path=source.name
            )
        files = _zip.unpack(_read_file(source, source.name), source.name)
        return _read_mdapi(_mdapi_root(files, source.name), source.name, options, custom)
    if not source.is_dir():
        raise InvalidMetadata("no such file or folder", path=str(path))
    if (source / PROJECT_FILE).is_file():
        return _read_project(source, given, custom_given)
    if (source / "package.xml").is_file():
        files = _walk(source, source, ForceIgnore())
        return _read_mdapi(files, source.name, options, custom)
    return _read_package_dir(source, options, custom)
