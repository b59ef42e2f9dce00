"""Garbage collection: delete the blobs and tree nodes that nothing can reach any more
(docs/adr/0016-garbage-collection.md).

Stored contents are shared and immutable; what keeps them is a reference: an org version's
root, a change set item, a deployment's items and results, or a pin of a running job on a
tree it stored ahead of use. Collection runs in one write transaction that first excludes
every transaction writing nodes or blobs (they share the lock it takes alone), so it never
deletes what a concurrent writer is about to reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from changeway.domain import tree
from changeway.domain.errors import StoreUnavailable
from changeway.domain.permissions import Actor
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.ports import UnitOfWork


@dataclass(frozen=True)
class Collected:
    """What a collection found unreachable (and deleted, unless it was a dry run)."""

    nodes: int
    blobs: int
    bytes: int
    kept_nodes: int
    kept_blobs: int
    dry_run: bool


def collect_garbage(ctx: Context, *, actor: Actor, dry_run: bool = False) -> Collected:
    """Delete unreachable blobs and tree nodes (administrators); ``dry_run`` only counts."""
    actor.require_admin(action="collect the store's garbage")
    with ctx.uow() as uow:
        uow.garbage.exclude_writers()
        # pins before versions: a job commits its version before it ends, so a tree is
        # seen either pinned or as a version's, whichever moment each read sees
        pinned = uow.garbage.live_pins()
        roots = pinned | uow.garbage.version_roots()
        nodes, blobs = _reachable(uow, roots | uow.garbage.referenced_components())
        dead_nodes = uow.garbage.stored("tree_nodes") - nodes
        dead_blobs = uow.garbage.stored("blobs") - blobs
        size = uow.garbage.sizes("tree_nodes", dead_nodes) + uow.garbage.sizes("blobs", dead_blobs)
        found = Collected(
            nodes=len(dead_nodes),
            blobs=len(dead_blobs),
            bytes=size,
            kept_nodes=len(nodes),
            kept_blobs=len(blobs),
            dry_run=dry_run,
        )
        if dry_run:
            return found
        uow.garbage.delete("tree_nodes", dead_nodes)
        uow.garbage.delete("blobs", dead_blobs)
        uow.garbage.drop_stale_pins()
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="store.garbage_collected",
            org=None,
            nodes=found.nodes,
            blobs=found.blobs,
            bytes=found.bytes,
        )
        uow.commit()
    return found


def _reachable(uow: UnitOfWork, start: set[str]) -> tuple[set[str], set[str]]:
    """Every node reachable from ``start`` (node hashes), and every blob they name, read a
    level at a time. A reachable node missing from the store stops collection: the store
    is damaged and nothing may be deleted on its word."""
    nodes: set[str] = set()
    blobs: set[str] = set()
    frontier = set(start)
    while frontier:
        nodes |= frontier
        try:
            found = uow.metadata.get_nodes(frontier)
        except KeyError as missing:
            raise StoreUnavailable(
                f"the store is damaged ({missing.args[0]}); nothing was collected:"
                " restore it from a backup"
            ) from missing
        frontier = set()
        for node in found.values():
            children, files = tree.references(node)
            blobs.update(files)
            frontier.update(h for h in children if h not in nodes)
    return nodes, blobs
