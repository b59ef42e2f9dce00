"""Org metadata versions: storing components, committing versions, reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from changeway.domain import tree
from changeway.domain.components import Component, ComponentKey
from changeway.domain.errors import Conflict, NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services.lookup import org_for
from changeway.services.ports import UnitOfWork


@dataclass(frozen=True)
class VersionRef:
    """An org and one of its versions (its head unless ``ORG@N`` named another)."""

    org: Org
    version: OrgVersion


def resolve_version(uow: UnitOfWork, actor: Actor, ref: str) -> VersionRef:
    """``ORG`` (its head) or ``ORG@N`` (version number N of that org), of an org the actor
    may see."""
    name, sep, number = ref.rpartition("@") if "@" in ref else (ref, "", "")
    org = org_for(uow, actor, name if sep else ref)
    if not sep:
        return VersionRef(org, head_version(uow, org))
    if not number.isdigit():
        raise Refused(f"bad version in {ref!r}: expected ORG@NUMBER")
    version = uow.metadata.version_number(org.id, int(number))
    if version is None:
        raise NotFound(f"{org.name} has no version {number}")
    return VersionRef(org, version)


def head_version(uow: UnitOfWork, org: Org) -> OrgVersion:
    """The org's current version."""
    if org.head_version_id is None:
        raise NotFound(f"{org.name} holds no metadata yet ({org.status.value})")
    version = uow.metadata.get_version(org.head_version_id)
    if version is None:
        raise NotFound(f"{org.name}'s head version {org.head_version_id} is missing")
    return version


_STORE_BATCH = 5000  # components written per batch: bounds what a large import holds twice


def store_components(uow: UnitOfWork, components: Iterable[Component]) -> dict[ComponentKey, str]:
    """Store file contents and component nodes (each once); return each key's node hash."""
    hashes: dict[ComponentKey, str] = {}
    blobs: dict[str, bytes] = {}
    nodes: dict[str, tree.Node] = {}
    for component in components:
        node, contents = tree.component_node(component.files)
        blobs.update(contents)
        digest = tree.node_hash(node)
        nodes[digest] = node
        hashes[component.key] = digest
        if len(nodes) >= _STORE_BATCH:
            uow.metadata.put_blobs(blobs)
            uow.metadata.put_nodes(nodes)
            blobs, nodes = {}, {}
    uow.metadata.put_blobs(blobs)
    uow.metadata.put_nodes(nodes)
    return hashes


def commit_version(
    uow: UnitOfWork,
    *,
    org: Org,
    root: str,
    kind: VersionKind,
    author: str,
    reason: str,
    at: datetime,
    parent_id: int | None,
) -> OrgVersion:
    """Record a new version of ``org`` and move its head to it (compare-and-set).

    The org's row is locked first, so writers to one org serialize and version numbers never
    collide on PostgreSQL; a head moved since ``org`` was read is a :class:`Conflict`
    (docs/adr/0011-fencing-and-serialization.md)."""
    current = uow.orgs.get(org.id, lock=True)
    if current is None or current.head_version_id != org.head_version_id:
        raise Conflict(f"{org.name}'s metadata changed meanwhile; nothing was written, try again")
    total = sum(tree.count(uow.metadata, root).values())
    version = uow.metadata.add_version(
        org_id=org.id,
        parent_id=parent_id,
        root=root,
        kind=kind,
        author=author,
        reason=reason,
        at=at,
        components=total,
    )
    uow.metadata.move_head(org.id, expected=org.head_version_id, new=version.id)
    return version


def component_index(
    uow: UnitOfWork, root: str, *, type_: str | None = None
) -> dict[ComponentKey, str]:
    """Every component of a version (key -> component node hash)."""
    return dict(tree.iter_components(uow.metadata, root, type_=type_))


def load_components(uow: UnitOfWork, hashes: Mapping[ComponentKey, str]) -> list[Component]:
    """Components with their files' exact bytes, in key order."""
    files = component_file_refs(uow, hashes)
    contents = uow.metadata.get_blobs({f.hash for refs in files.values() for f in refs})
    return [
        Component(key.type, key.name, {f.path: contents[f.hash] for f in files[key]})
        for key in sorted(hashes)
    ]


def component_file_refs(
    uow: UnitOfWork, hashes: Mapping[ComponentKey, str]
) -> dict[ComponentKey, list[tree.FileRef]]:
    """Each component's files (path, content hash, size) without reading the contents."""
    nodes = uow.metadata.get_nodes(set(hashes.values()))
    return {key: tree.component_files(nodes[h]) for key, h in hashes.items()}
