"""Users, their per-org grants, and API tokens (stored as digests)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from changeway.adapters.db import schema as t
from changeway.domain.permissions import Permission
from changeway.domain.users import ApiToken, JwtKey, User


class UserRepository:
    """Users and grants."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, user: User) -> User:
        new_id = self._conn.execute(
            t.users.insert().values(
                name=user.name,
                is_admin=user.is_admin,
                password_hash=user.password_hash,
                created_at=user.created_at,
            )
        ).inserted_primary_key[0]
        return User(int(new_id), user.name, user.is_admin, user.created_at, user.password_hash)

    def save(self, user: User) -> None:
        self._conn.execute(
            t.users.update()
            .where(t.users.c.id == user.id)
            .values(is_admin=user.is_admin, password_hash=user.password_hash)
        )

    def get(self, user_id: int) -> User | None:
        row = self._conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).first()
        return _user(row) if row else None

    def named(self, name: str) -> User | None:
        """The user of that name (case-insensitively)."""
        query = sa.select(t.users).where(sa.func.lower(t.users.c.name) == name.lower())
        row = self._conn.execute(query).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        return [_user(r) for r in self._conn.execute(sa.select(t.users).order_by(t.users.c.id))]

    def count(self) -> int:
        return int(self._conn.execute(sa.select(sa.func.count()).select_from(t.users)).scalar_one())

    def grants(self, user_id: int) -> dict[str, frozenset[Permission]]:
        """The user's permissions, per org id."""
        g = t.grants
        out: dict[str, set[Permission]] = {}
        for row in self._conn.execute(sa.select(g).where(g.c.user_id == user_id)):
            out.setdefault(row.org_id, set()).add(Permission(row.permission))
        return {org: frozenset(perms) for org, perms in out.items()}

    def grant(self, user_id: int, org_id: str, permissions: Iterable[Permission]) -> None:
        """Add the permissions the user does not hold yet."""
        held = self.grants(user_id).get(org_id, frozenset())
        rows = [
            {"user_id": user_id, "org_id": org_id, "permission": p.value}
            for p in sorted(set(permissions) - held)
        ]
        if rows:
            self._conn.execute(t.grants.insert(), rows)

    def revoke(self, user_id: int, org_id: str, permissions: Iterable[Permission]) -> None:
        g = t.grants
        self._conn.execute(
            g.delete().where(
                g.c.user_id == user_id,
                g.c.org_id == org_id,
                g.c.permission.in_([p.value for p in permissions]),
            )
        )

    def org_grants(self, org_id: str) -> dict[int, frozenset[Permission]]:
        """Every user's permissions in one org."""
        g = t.grants
        out: dict[int, set[Permission]] = {}
        for row in self._conn.execute(sa.select(g).where(g.c.org_id == org_id)):
            out.setdefault(row.user_id, set()).add(Permission(row.permission))
        return {user: frozenset(perms) for user, perms in out.items()}

    def copy_grants(self, from_org_id: str, to_org_id: str) -> None:
        """Give ``to_org_id`` every grant ``from_org_id`` has (a new sandbox, as Salesforce
        copies users)."""
        for user_id, perms in self.org_grants(from_org_id).items():
            self.grant(user_id, to_org_id, perms)

    def move_grants(self, from_org_id: str, to_org_id: str) -> None:
        """Carry grants to an org's new identity (an activated refresh)."""
        g = t.grants
        self.copy_grants(from_org_id, to_org_id)
        self._conn.execute(g.delete().where(g.c.org_id == from_org_id))


class TokenRepository:
    """API tokens, found by the digest of the token."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, token: ApiToken) -> ApiToken:
        row = _token_fields(token)
        row.pop("id")
        new_id = self._conn.execute(t.api_tokens.insert().values(**row)).inserted_primary_key[0]
        return ApiToken(**{**_token_fields(token), "id": int(new_id)})

    def by_digest(self, digest: str) -> ApiToken | None:
        query = sa.select(t.api_tokens).where(t.api_tokens.c.digest == digest)
        row = self._conn.execute(query).first()
        return _token(row) if row else None

    def get(self, token_id: int) -> ApiToken | None:
        row = self._conn.execute(
            sa.select(t.api_tokens).where(t.api_tokens.c.id == token_id)
        ).first()
        return _token(row) if row else None

    def of_user(self, user_id: int | None = None) -> list[ApiToken]:
        """Tokens of one user (or every user's), oldest first."""
        query = sa.select(t.api_tokens).order_by(t.api_tokens.c.id)
        if user_id is not None:
            query = query.where(t.api_tokens.c.user_id == user_id)
        return [_token(r) for r in self._conn.execute(query)]

    def revoke(self, token_id: int, at: datetime) -> None:
        self._conn.execute(
            t.api_tokens.update().where(t.api_tokens.c.id == token_id).values(revoked_at=at)
        )


class JwtKeyRepository:
    """Keys registered for JWT bearer logins, one per user and client id."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, key: JwtKey) -> None:
        self._conn.execute(t.jwt_keys.insert().values(**key.__dict__))

    def get(self, user_id: int, client_id: str) -> JwtKey | None:
        k = t.jwt_keys
        row = self._conn.execute(
            sa.select(k).where(k.c.user_id == user_id, k.c.client_id == client_id)
        ).first()
        return _jwt_key(row) if row else None

    def of_user(self, user_id: int | None = None) -> list[JwtKey]:
        """One user's keys (or everyone's), by user and client id."""
        k = t.jwt_keys
        query = sa.select(k).order_by(k.c.user_id, k.c.client_id)
        if user_id is not None:
            query = query.where(k.c.user_id == user_id)
        return [_jwt_key(r) for r in self._conn.execute(query)]

    def remove(self, user_id: int, client_id: str) -> None:
        k = t.jwt_keys
        self._conn.execute(k.delete().where(k.c.user_id == user_id, k.c.client_id == client_id))


def _jwt_key(row: sa.Row[Any]) -> JwtKey:
    return JwtKey(row.user_id, row.client_id, row.public_key, row.fingerprint, row.created_at)


def _user(row: sa.Row[Any]) -> User:
    return User(row.id, row.name, row.is_admin, row.created_at, row.password_hash)


def _token_fields(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "user_id": token.user_id,
        "digest": token.digest,
        "prefix": token.prefix,
        "org_id": token.org_id,
        "note": token.note,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def _token(row: sa.Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        digest=row.digest,
        prefix=row.prefix,
        org_id=row.org_id,
        note=row.note,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )
