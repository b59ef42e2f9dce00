"""Web sessions: a browser's login, kept in the store (docs/model.md, "Web UI").

The cookie holds a random secret; the store keeps only its digest, the user, a CSRF token
that every form must echo, and when the session ends.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: How long a login lasts, whatever the activity in between.
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class WebSession:
    """One logged-in browser."""

    digest: str
    user_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime

    def usable(self, now: datetime) -> bool:
        """Not expired."""
        return now < self.expires_at


def new_session_secret() -> str:
    """256 random bits for a session cookie (or a CSRF token)."""
    return secrets.token_urlsafe(32)
