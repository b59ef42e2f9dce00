"""Web sessions, found by the digest of the cookie's secret."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.domain.sessions import WebSession


class SessionRepository:
    """Rows of ``web_sessions``."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, session: WebSession) -> None:
        self._conn.execute(t.web_sessions.insert().values(**session.__dict__))

    def get(self, digest: str) -> WebSession | None:
        query = sa.select(t.web_sessions).where(t.web_sessions.c.digest == digest)
        row = self._conn.execute(query).first()
        return WebSession(**row._mapping) if row else None

    def remove(self, digest: str) -> None:
        self._conn.execute(t.web_sessions.delete().where(t.web_sessions.c.digest == digest))

    def remove_expired(self, now: datetime) -> None:
        self._conn.execute(t.web_sessions.delete().where(t.web_sessions.c.expires_at <= now))
