"""Comparing two org versions, of one org or of two, component by component
(docs/model.md, "Metadata and versions")."""

from __future__ import annotations

from dataclasses import dataclass, field

from changeway.domain import tree
from changeway.domain.components import ComponentKey
from changeway.domain.permissions import Actor
from changeway.domain.textdiff import FileDiff, file_diffs
from changeway.services.context import Context
from changeway.services.versions import VersionRef, load_components, resolve_version


@dataclass(frozen=True)
class Comparison:
    """What differs from ``a`` to ``b``; ``identical`` counts the components equal on both."""

    a: VersionRef
    b: VersionRef
    added: list[ComponentKey]
    changed: list[ComponentKey]
    deleted: list[ComponentKey]
    identical: int
    diffs: dict[ComponentKey, list[FileDiff]] = field(default_factory=dict)


def compare(ctx: Context, *, actor: Actor, a: str, b: str, with_diffs: bool = False) -> Comparison:
    """Compare ``A[@N]`` with ``B[@N]``; the cost follows the size of the difference."""
    with ctx.uow(read_only=True) as uow:
        ref_a, ref_b = resolve_version(uow, actor, a), resolve_version(uow, actor, b)
        differences = tree.diff(uow.metadata, ref_a.version.root, ref_b.version.root)
        added = [d.key for d in differences if d.before is None]
        deleted = [d.key for d in differences if d.after is None]
        changed = [d for d in differences if d.before and d.after]
        identical = ref_a.version.components - len(deleted) - len(changed)
        diffs: dict[ComponentKey, list[FileDiff]] = {}
        if with_diffs:
            label_a, label_b = _label(ref_a), _label(ref_b)
            olds = {
                c.key: c
                for c in load_components(uow, {d.key: d.before for d in changed if d.before})
            }
            news = {
                c.key: c for c in load_components(uow, {d.key: d.after for d in changed if d.after})
            }
            for d in changed:
                diffs[d.key] = file_diffs(
                    olds[d.key].files, news[d.key].files, label_a=label_a, label_b=label_b
                )
    return Comparison(
        a=ref_a,
        b=ref_b,
        added=added,
        changed=[d.key for d in changed],
        deleted=deleted,
        identical=identical,
        diffs=diffs,
    )


def _label(ref: VersionRef) -> str:
    return f"{ref.org.name}@{ref.version.number}"
