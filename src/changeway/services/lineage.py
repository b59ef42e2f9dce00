"""What an org's history has seen of components: the basis of conflict detection."""

from __future__ import annotations

from collections.abc import Iterable

from changeway.domain import tree
from changeway.domain.components import ComponentKey
from changeway.domain.versions import OrgVersion
from changeway.services.ports import UnitOfWork


def known_contents(
    uow: UnitOfWork, version: OrgVersion, keys: Iterable[ComponentKey]
) -> dict[ComponentKey, set[str]]:
    """Every content each component had along ``version``'s ancestry (copies included).

    Walks parent links back to the first version, diffing each version with its parent on the
    paths of those components only, so the cost follows the number of versions and of
    components asked about, not the size of the org.
    """
    wanted = set(keys)
    known: dict[ComponentKey, set[str]] = {k: set() for k in wanted}
    _add_current(uow, version.root, wanted, known)
    current = version
    while current.parent_id is not None:
        parent = uow.metadata.get_version(current.parent_id)
        if parent is None:
            break
        for difference in tree.diff(uow.metadata, parent.root, current.root, only=wanted):
            known[difference.key].update(h for h in (difference.before, difference.after) if h)
        current = parent
    _add_current(uow, current.root, wanted, known)
    return known


def _add_current(
    uow: UnitOfWork, root: str, keys: set[ComponentKey], known: dict[ComponentKey, set[str]]
) -> None:
    for key, digest in tree.lookup_many(uow.metadata, root, keys).items():
        if digest:
            known[key].add(digest)
