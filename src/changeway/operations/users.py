"""Operations on users, grants, tokens and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from changeway.domain.permissions import Actor
from changeway.operations import page_view
from changeway.services import audit as audit_service
from changeway.services import jwt_logins, users
from changeway.services.context import Context
from changeway.views import audit_view, jwt_key_view, new_token_view, token_view, user_view


def audit(
    ctx: Context,
    actor: Actor,
    *,
    org: str | None = None,
    user: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The audit trail, oldest first, filtered by org, user, action and time."""
    page = audit_service.list_audit(
        ctx,
        actor=actor,
        org=org,
        user=user,
        action=action,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return page_view(page, audit_view)


def list_(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Users and their permissions per org."""
    return [user_view(u) for u in users.list_users(ctx, actor=actor)]


def me(ctx: Context, actor: Actor) -> dict[str, Any]:
    """The calling user, with their permissions."""
    return _one(ctx, actor, actor.name)


def create(
    ctx: Context,
    actor: Actor,
    *,
    name: str,
    admin: bool = False,
    password: str | None = None,
) -> dict[str, Any]:
    """A new user (administrators only)."""
    users.create_user(ctx, actor=actor, name=name, admin=admin, password=password)
    return _one(ctx, actor, name)


def _one(ctx: Context, actor: Actor, name: str) -> dict[str, Any]:
    return next(
        user_view(u)
        for u in users.list_users(ctx, actor=actor)
        if u.user.name.lower() == name.lower()
    )


def grant(
    ctx: Context, actor: Actor, *, user: str, org: str, permissions: list[str]
) -> dict[str, Any]:
    """Grant permissions in ORG (needs manage_users there)."""
    grants = users.change_grants(
        ctx, actor=actor, user=user, org=org, permissions=permissions, grant=True
    )
    return {"user": user, "permissions": grants}


def revoke(
    ctx: Context, actor: Actor, *, user: str, org: str, permissions: list[str]
) -> dict[str, Any]:
    """Revoke permissions in ORG (needs manage_users there)."""
    grants = users.change_grants(
        ctx, actor=actor, user=user, org=org, permissions=permissions, grant=False
    )
    return {"user": user, "permissions": grants}


def set_password(ctx: Context, actor: Actor, *, user: str, password: str) -> dict[str, Any]:
    """Set a user's password (for the web UI)."""
    users.set_password(ctx, actor=actor, name=user, password=password)
    return {"user": user, "has_password": True}


def tokens(ctx: Context, actor: Actor, *, user: str | None = None) -> list[dict[str, Any]]:
    """API tokens (never their secrets)."""
    return [token_view(t) for t in users.list_tokens(ctx, actor=actor, user=user)]


def token_create(
    ctx: Context,
    actor: Actor,
    *,
    user: str,
    org: str | None = None,
    expires: str = "90d",
    note: str = "",
) -> dict[str, Any]:
    """A new API token, shown this once."""
    return new_token_view(
        users.create_token(ctx, actor=actor, user=user, org=org, expires=expires, note=note)
    )


def token_revoke(ctx: Context, actor: Actor, *, token_id: int) -> dict[str, Any]:
    """Revoke an API token."""
    token = users.revoke_token(ctx, actor=actor, token_id=token_id)
    return {"id": token.id, "revoked": True}


def jwt_add(
    ctx: Context, actor: Actor, *, user: str, client_id: str, certificate: str
) -> dict[str, Any]:
    """Register a certificate or public key (PEM) for ``user``'s JWT logins via ``client_id``."""
    entry = jwt_logins.add_key(
        ctx, actor=actor, user=user, client_id=client_id, pem=certificate.encode()
    )
    return jwt_key_view(entry)


def jwt_list(ctx: Context, actor: Actor, *, user: str | None = None) -> list[dict[str, Any]]:
    """Keys registered for JWT logins."""
    return [jwt_key_view(e) for e in jwt_logins.list_keys(ctx, actor=actor, user=user)]


def jwt_remove(ctx: Context, actor: Actor, *, user: str, client_id: str) -> dict[str, Any]:
    """Unregister ``user``'s key for ``client_id``."""
    return jwt_key_view(jwt_logins.remove_key(ctx, actor=actor, user=user, client_id=client_id))
