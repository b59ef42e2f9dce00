"""Server users and their API tokens (docs/model.md, "Users and permissions")."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from changeway.domain import salesforce_ids
from changeway.domain.errors import Refused


@dataclass(frozen=True)
class User:
    """A person or script known to the server. ``password_hash`` is argon2, or None."""

    id: int
    name: str
    is_admin: bool
    created_at: datetime
    password_hash: str | None = None


@dataclass(frozen=True)
class ApiToken:
    """A token's stored form: only a hash of the secret is kept (shown once at creation).

    ``org_id`` binds the token to one org (a session for Salesforce clients); ``prefix``
    tells tokens apart in listings without revealing them.
    """

    id: int
    user_id: int
    digest: str
    prefix: str
    created_at: datetime
    org_id: str | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    note: str = ""

    def usable(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class JwtKey:
    """A key a user's CI signs JWT bearer assertions with, registered for one client id
    (Salesforce's connected app consumer key); ``public_key`` is PEM, ``fingerprint`` its
    SHA-256."""

    user_id: int
    client_id: str
    public_key: str
    fingerprint: str
    created_at: datetime


#: Every generated token starts so, which makes leaked tokens easy to recognise.
TOKEN_PREFIX = "cwt_"


def new_secret(org_id: str | None = None) -> str:
    """A fresh token: 256 random bits, URL-safe. A token bound to an org is shaped like a
    Salesforce session id of that org, so Salesforce's own tools accept it."""
    prefix = salesforce_ids.session_prefix(org_id) if org_id else TOKEN_PREFIX
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The stored form of a token. Tokens are long random strings, so a fast hash is enough
    (unlike passwords); lookup is by this digest, whatever shape the token has."""
    return hashlib.sha256(token.encode()).hexdigest()


_DURATION = re.compile(r"(\d{1,5})([dhm])")


def parse_expiry(text: str, now: datetime) -> datetime | None:
    """``30d``, ``12h``, ``45m`` from ``now``; ``never`` for a token that does not expire."""
    value = text.strip().lower()
    if value == "never":
        return None
    match = _DURATION.fullmatch(value)
    if not match or int(match.group(1)) == 0:
        raise Refused(
            f"invalid expiry {text!r}: use a number of days, hours or minutes (30d, 12h,"
            " 45m) or never"
        )
    amount = int(match.group(1))
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
    return now + timedelta(**{unit: amount})
