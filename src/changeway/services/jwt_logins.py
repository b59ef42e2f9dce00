"""JWT bearer logins for CI (docs/model.md, "Salesforce's tools"): an administrator registers,
per user, a client id and the public key the user's CI signs assertions with; a valid
assertion gets an org-bound session token, like `token create --org`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from changeway.adapters import jwt_assertions
from changeway.domain.errors import NotAuthenticated, NotFound, PermissionDenied, Refused
from changeway.domain.permissions import Actor, Entrypoint
from changeway.domain.users import JwtKey, User
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.ports import UnitOfWork
from changeway.services.users import NewToken, actor_of, store_token

#: How long a session opened by a JWT login lasts (Salesforce's default session timeout).
SESSION_LIFETIME = timedelta(hours=2)
MAX_CLIENT_ID = 255


@dataclass(frozen=True)
class JwtKeyEntry:
    """A registered key as listings show it."""

    key: JwtKey
    user: str


def add_key(ctx: Context, *, actor: Actor, user: str, client_id: str, pem: bytes) -> JwtKeyEntry:
    """Register ``pem`` (a certificate or public key) for ``user`` logging in through
    ``client_id`` (administrators only)."""
    actor.require_admin(action="register JWT keys")
    client_id = _client_id(client_id)
    public_key = jwt_assertions.public_key_pem(pem)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        owner = _user(uow, user)
        if uow.jwt_keys.get(owner.id, client_id) is not None:
            raise Refused(
                f"{owner.name} already has a key for client id {client_id}: remove it first"
                f" (changeway user jwt-remove {owner.name} --client-id {client_id})"
            )
        key = JwtKey(owner.id, client_id, public_key, jwt_assertions.fingerprint(public_key), now)
        uow.jwt_keys.add(key)
        _record_key(uow, actor, "user.jwt_key_added", owner.name, key, now)
        uow.commit()
    return JwtKeyEntry(key, owner.name)


def _record_key(
    uow: UnitOfWork, actor: Actor, action: str, owner: str, key: JwtKey, now: datetime
) -> None:
    """Audit a registration or removal of ``owner``'s key."""
    record(
        uow,
        at=now,
        actor=actor,
        action=action,
        org=None,
        user=owner,
        client_id=key.client_id,
        fingerprint=key.fingerprint,
    )


def list_keys(ctx: Context, *, actor: Actor, user: str | None = None) -> list[JwtKeyEntry]:
    """Registered keys: one's own; an administrator's view may name anyone, or everyone."""
    with ctx.uow(read_only=True) as uow:
        if user is None and actor.is_admin:
            keys = uow.jwt_keys.of_user()
        else:
            owner_id = _user(uow, user).id if user else actor.user_id
            if owner_id != actor.user_id:
                actor.require_admin(action="see other users' JWT keys")
            keys = uow.jwt_keys.of_user(owner_id)
        names = {u.id: u.name for u in uow.users.all()}
    return [JwtKeyEntry(k, names.get(k.user_id, str(k.user_id))) for k in keys]


def remove_key(ctx: Context, *, actor: Actor, user: str, client_id: str) -> JwtKeyEntry:
    """Unregister ``user``'s key for ``client_id`` (administrators only)."""
    actor.require_admin(action="remove JWT keys")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        owner = _user(uow, user)
        key = uow.jwt_keys.get(owner.id, client_id)
        if key is None:
            raise NotFound(f"{owner.name} has no key for client id {client_id}")
        uow.jwt_keys.remove(owner.id, client_id)
        _record_key(uow, actor, "user.jwt_key_removed", owner.name, key, now)
        uow.commit()
    return JwtKeyEntry(key, owner.name)


def login(ctx: Context, *, assertion: str, org: str, audiences: set[str]) -> NewToken:
    """A session token in ``org`` for the user a JWT bearer ``assertion`` names, once it is
    signed by the key registered for its client id and that user, is meant for this
    login URL (``audiences``) and has not expired. Each login is audited."""
    claims = jwt_assertions.claims_unverified(assertion)
    client_id, name = claims["iss"], claims["sub"]
    now = ctx.clock.now()
    with ctx.uow(read_only=True) as uow:
        user = uow.users.named(name)
        key = uow.jwt_keys.get(user.id, client_id) if user else None
    if user is None or key is None:
        raise NotAuthenticated(
            f"user hasn't approved this consumer: no key is registered for client id"
            f" {client_id} and user {name}"
        )
    jwt_assertions.verify(assertion, key.public_key, audiences=audiences, now=now)
    with ctx.uow() as uow:
        actor = actor_of(uow, user, Entrypoint.SF)
        try:
            bound = org_for(uow, actor, org)
        except (NotFound, PermissionDenied):
            raise NotAuthenticated(f"{user.name} may not log in to {org}") from None
        if not bound.is_active:
            raise NotAuthenticated(f"{bound.name} is not active")
        secret, token = store_token(
            uow,
            user,
            bound,
            now=now,
            expires_at=now + SESSION_LIFETIME,
            note=f"JWT login through {client_id}",
        )
        record(
            uow,
            at=now,
            actor=actor,
            action="user.jwt_login",
            org=bound,
            user=user.name,
            client_id=client_id,
            token=token.id,
        )
        uow.commit()
    return NewToken(secret, token, user.name, bound.name)


def _client_id(text: str) -> str:
    value = text.strip()
    if not value or len(value) > MAX_CLIENT_ID or not value.isprintable() or " " in value:
        raise Refused(f"a client id is 1 to {MAX_CLIENT_ID} printable characters without spaces")
    return value


def _user(uow: UnitOfWork, name: str) -> User:
    user = uow.users.named(name)
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user
