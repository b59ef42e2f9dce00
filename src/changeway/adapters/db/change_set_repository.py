"""Outbound and inbound change sets, with their items."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.domain.changesets import (
    Action,
    ChangeSet,
    ChangeSetStatus,
    InboundChangeSet,
    InboundStatus,
    Item,
    Phase,
)
from changeway.domain.components import ComponentKey


class ChangeSetRepository:
    """Outbound change sets (unique name per org) and the inbound copies of their uploads."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, cs: ChangeSet) -> ChangeSet:
        values = _change_set_row(cs)
        values.pop("id")
        cs.id = int(
            self._conn.execute(t.change_sets.insert().values(**values)).inserted_primary_key[0]
        )
        self._write_items(cs)
        return cs

    def save(self, cs: ChangeSet) -> None:
        self._conn.execute(
            t.change_sets.update().where(t.change_sets.c.id == cs.id).values(**_change_set_row(cs))
        )
        self._conn.execute(
            t.change_set_items.delete().where(t.change_set_items.c.change_set_id == cs.id)
        )
        self._write_items(cs)

    def get(self, change_set_id: int, *, with_items: bool = True) -> ChangeSet | None:
        row = self._conn.execute(
            sa.select(t.change_sets).where(t.change_sets.c.id == change_set_id)
        ).first()
        return self._with_items(row, with_items) if row else None

    def named(self, org_id: str, name: str) -> ChangeSet | None:
        row = self._conn.execute(
            sa.select(t.change_sets).where(
                t.change_sets.c.org_id == org_id, t.change_sets.c.name == name
            )
        ).first()
        return self._with_items(row) if row else None

    def of_org(self, org_id: str) -> list[ChangeSet]:
        rows = self._conn.execute(
            sa.select(t.change_sets)
            .where(t.change_sets.c.org_id == org_id)
            .order_by(t.change_sets.c.id)
        )
        return [self._with_items(r) for r in rows]

    def add_inbound(self, inbound: InboundChangeSet) -> InboundChangeSet:
        values = _inbound_row(inbound)
        values.pop("id")
        inbound.id = int(
            self._conn.execute(
                t.inbound_change_sets.insert().values(**values)
            ).inserted_primary_key[0]
        )
        return inbound

    def save_inbound(self, inbound: InboundChangeSet) -> None:
        i = t.inbound_change_sets
        self._conn.execute(i.update().where(i.c.id == inbound.id).values(**_inbound_row(inbound)))

    def inbound(self, inbound_id: int, *, with_items: bool = True) -> InboundChangeSet | None:
        rows = self._inbound_query(t.inbound_change_sets.c.id == inbound_id, with_items=with_items)
        return rows[0] if rows else None

    def inbound_of(
        self, target_org_ids: Iterable[str], *, include_deleted: bool = False
    ) -> list[InboundChangeSet]:
        i = t.inbound_change_sets
        conditions: list[sa.ColumnElement[bool]] = [i.c.target_org_id.in_(list(target_org_ids))]
        if not include_deleted:
            conditions.append(i.c.status != InboundStatus.DELETED.value)
        return self._inbound_query(*conditions)

    def _inbound_query(self, *conditions: Any, with_items: bool = True) -> list[InboundChangeSet]:
        i, c = t.inbound_change_sets, t.change_sets
        query = (
            sa.select(i, c.c.name, c.c.description)
            .join(c, c.c.id == i.c.change_set_id)
            .where(*conditions)
            .order_by(i.c.id)
        )
        rows = list(self._conn.execute(query))
        items = self._items({r.change_set_id for r in rows}) if with_items else {}
        return [
            InboundChangeSet(
                id=r.id,
                change_set_id=r.change_set_id,
                name=r.name,
                description=r.description,
                source_org_id=r.source_org_id,
                target_org_id=r.target_org_id,
                uploaded_by=r.uploaded_by,
                uploaded_at=r.uploaded_at,
                status=InboundStatus(r.status),
                items=items.get(r.change_set_id, {}),
                deployed_at=r.deployed_at,
            )
            for r in rows
        ]

    def _with_items(self, row: sa.Row[Any], with_items: bool = True) -> ChangeSet:
        return ChangeSet(
            id=row.id,
            org_id=row.org_id,
            name=row.name,
            description=row.description,
            status=ChangeSetStatus(row.status),
            created_by=row.created_by,
            created_at=row.created_at,
            closed_at=row.closed_at,
            source_version_id=row.source_version_id,
            items=self._items({row.id}).get(row.id, {}) if with_items else {},
        )

    def _items(self, ids: set[int]) -> dict[int, dict[ComponentKey, Item]]:
        out: dict[int, dict[ComponentKey, Item]] = {}
        if not ids:
            return out
        i = t.change_set_items
        for r in self._conn.execute(sa.select(i).where(i.c.change_set_id.in_(ids))):
            key = ComponentKey(r.type, r.name)
            out.setdefault(r.change_set_id, {})[key] = Item(
                key=key,
                action=Action(r.action),
                phase=Phase(r.phase) if r.phase else None,
                content=r.content,
                known=tuple(r.known),
            )
        return out

    def _write_items(self, cs: ChangeSet) -> None:
        rows = [
            {
                "change_set_id": cs.id,
                "type": item.key.type,
                "name": item.key.name,
                "action": item.action.value,
                "phase": item.phase.value if item.phase else None,
                "content": item.content,
                "known": list(item.known),
            }
            for item in cs.items.values()
        ]
        if rows:
            self._conn.execute(t.change_set_items.insert(), rows)


def _change_set_row(cs: ChangeSet) -> dict[str, Any]:
    return {
        "id": cs.id,
        "org_id": cs.org_id,
        "name": cs.name,
        "description": cs.description,
        "status": cs.status.value,
        "created_by": cs.created_by,
        "created_at": cs.created_at,
        "closed_at": cs.closed_at,
        "source_version_id": cs.source_version_id,
    }


def _inbound_row(inbound: InboundChangeSet) -> dict[str, Any]:
    return {
        "id": inbound.id,
        "change_set_id": inbound.change_set_id,
        "target_org_id": inbound.target_org_id,
        "source_org_id": inbound.source_org_id,
        "uploaded_by": inbound.uploaded_by,
        "uploaded_at": inbound.uploaded_at,
        "status": inbound.status.value,
        "deployed_at": inbound.deployed_at,
    }
