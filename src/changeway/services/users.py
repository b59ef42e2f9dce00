"""Users, grants and API tokens; and who is acting (docs/model.md, "Users and permissions").

Server administrators create users and production orgs. Users with manage_users in an org
grant and revoke permissions there. Everyone manages their own password and tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from changeway.adapters.passwords import hash_password, verify_password
from changeway.domain.errors import NotAuthenticated, NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import (
    Actor,
    Entrypoint,
    Permission,
    check_user_name,
    parse_permission,
)
from changeway.domain.users import ApiToken, User, new_secret, parse_expiry, token_digest
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.ports import UnitOfWork

MIN_PASSWORD = 8


def actor_of(
    uow: UnitOfWork, user: User, entrypoint: Entrypoint, *, by: str | None = None
) -> Actor:
    """The actor for ``user``, with the grants the store holds now."""
    return Actor(
        user_id=user.id,
        name=user.name,
        is_admin=user.is_admin,
        entrypoint=entrypoint,
        grants=uow.users.grants(user.id),
        acting_for=by,
    )


def reloaded(ctx: Context, actor: Actor) -> Actor:
    """The same actor with the grants the store holds now (after an org changed identity)."""
    with ctx.uow(read_only=True) as uow:
        user = uow.users.get(actor.user_id)
        if user is None:
            raise NotAuthenticated(f"not authenticated: user {actor.name} is gone")
        return actor_of(uow, user, actor.entrypoint, by=actor.acting_for)


def embedded_actor(
    ctx: Context, *, os_user: str, as_user: str | None = None, entrypoint: Entrypoint
) -> Actor:
    """Who acts in embedded mode: the OS user, known to the store.

    The OS user who first uses a store with no users becomes its first administrator.
    ``as_user``: an administrator acts as another user, with that user's permissions.
    """
    with ctx.uow(read_only=True) as uow:
        user = uow.users.named(os_user)
        empty = user is None and uow.users.count() == 0
    if empty:
        user = _first_admin(ctx, os_user, entrypoint)
    if user is None:
        raise NotAuthenticated(
            f"{os_user} is not a user of this store; an administrator can add that user"
        )
    with ctx.uow(read_only=True) as uow:
        if as_user is None or as_user.lower() == user.name.lower():
            return actor_of(uow, user, entrypoint)
        if not user.is_admin:
            raise NotAuthenticated(
                f"{user.name} may not act as another user: only administrators may",
                details={"permission": "admin"},
            )
        other = uow.users.named(as_user)
        if other is None:
            raise NotFound(f"no user named {as_user!r}")
        return actor_of(uow, other, entrypoint, by=user.name)


def _first_admin(ctx: Context, name: str, entrypoint: Entrypoint) -> User:
    """Make ``name`` the store's first administrator (unless someone just did)."""
    check_user_name(name)
    with ctx.uow() as uow:
        if uow.users.count():
            found = uow.users.named(name)
            if found is None:
                raise NotAuthenticated(f"{name} is not a user of this store")
            return found
        user = uow.users.add(User(0, name, True, ctx.clock.now()))
        stamp = actor_of(uow, user, entrypoint)
        record(
            uow,
            at=ctx.clock.now(),
            actor=stamp,
            action="user.created",
            org=None,
            user=name,
            admin=True,
            first=True,
        )
        uow.commit()
    return user


def authenticate_token(
    ctx: Context, *, token: str, entrypoint: Entrypoint
) -> tuple[Actor, str | None]:
    """The actor a token stands for, and the org id it is bound to (if any)."""
    with ctx.uow(read_only=True) as uow:
        found = uow.tokens.by_digest(token_digest(token.strip()))
        if found is None or not found.usable(ctx.clock.now()):
            raise NotAuthenticated("not authenticated: the token is unknown, expired or revoked")
        user = uow.users.get(found.user_id)
        if user is None:
            raise NotAuthenticated("not authenticated: the token's user is gone")
        return actor_of(uow, user, entrypoint), found.org_id


def authenticate_password(
    ctx: Context, *, name: str, password: str, entrypoint: Entrypoint
) -> Actor:
    """The actor whose name and password these are."""
    with ctx.uow(read_only=True) as uow:
        user = uow.users.named(name)
        if (
            user is None
            or not user.password_hash
            or not verify_password(user.password_hash, password)
        ):
            raise NotAuthenticated("not authenticated: unknown user or wrong password")
        return actor_of(uow, user, entrypoint)


def create_user(
    ctx: Context, *, actor: Actor, name: str, admin: bool = False, password: str | None = None
) -> User:
    """A new user (administrators only); with ``password``, one who can log in to the web UI."""
    actor.require_admin(action="create users")
    check_user_name(name)
    hashed = _hashed(password) if password is not None else None
    with ctx.uow() as uow:
        if uow.users.named(name) is not None:
            raise Refused(f"a user named {name!r} exists")
        user = uow.users.add(User(0, name, admin, ctx.clock.now(), hashed))
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="user.created",
            org=None,
            user=name,
            admin=admin,
        )
        uow.commit()
    return user


def set_password(ctx: Context, *, actor: Actor, name: str, password: str) -> User:
    """Set a user's password (their own, or anyone's for an administrator)."""
    hashed = _hashed(password)
    with ctx.uow() as uow:
        user = _user(uow, name)
        if user.id != actor.user_id:
            actor.require_admin(action=f"set {user.name}'s password")
        updated = User(user.id, user.name, user.is_admin, user.created_at, hashed)
        uow.users.save(updated)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action="user.password_set",
            org=None,
            user=user.name,
        )
        uow.commit()
    return updated


def change_grants(
    ctx: Context,
    *,
    actor: Actor,
    user: str,
    org: str,
    permissions: Sequence[str],
    grant: bool,
) -> dict[str, list[str]]:
    """Grant (or revoke) permissions of ``user`` in ``org``; needs manage_users there.

    Permissions may be named as docs/model.md does or by Salesforce's names. Returns the
    user's permissions per org name afterwards.
    """
    wanted = [parse_permission(p) for p in permissions]
    if not wanted:
        raise Refused("name at least one permission")
    verb = "grant" if grant else "revoke"
    with ctx.uow() as uow:
        target = org_for(
            uow, actor, org, Permission.MANAGE_USERS, action=f"{verb} permissions in {org}"
        )
        member = _user(uow, user)
        if grant:
            uow.users.grant(member.id, target.id, wanted)
        else:
            uow.users.revoke(member.id, target.id, wanted)
        record(
            uow,
            at=ctx.clock.now(),
            actor=actor,
            action=f"user.permissions_{'granted' if grant else 'revoked'}",
            org=target,
            user=member.name,
            permissions=[p.value for p in wanted],
        )
        grants = _grants_by_name(uow, member)
        uow.commit()
    return grants


@dataclass(frozen=True)
class UserEntry:
    """A user as listings show them: permissions per org name."""

    user: User
    grants: dict[str, list[str]]


def list_users(ctx: Context, *, actor: Actor) -> list[UserEntry]:
    """Every user (for administrators), or the caller alone, with their permissions in the
    orgs the caller may see."""
    with ctx.uow(read_only=True) as uow:
        users = (
            uow.users.all()
            if actor.is_admin
            else [u for u in uow.users.all() if u.id == actor.user_id]
        )
        return [UserEntry(u, _grants_by_name(uow, u, viewer=actor)) for u in users]


def _grants_by_name(
    uow: UnitOfWork, user: User, viewer: Actor | None = None
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for org_id, perms in sorted(uow.users.grants(user.id).items()):
        org = uow.orgs.get(org_id)
        if org is None or (viewer is not None and not viewer.can_see(org)):
            continue
        out[org.name if org.is_production else f"{_production(uow, org)}/{org.name}"] = sorted(
            p.value for p in perms
        )
    return out


def _production(uow: UnitOfWork, org: Org) -> str:
    production = uow.orgs.get(org.production_id)
    return production.name if production else "?"


@dataclass(frozen=True)
class NewToken:
    """A token just made: the secret is shown this once and never stored."""

    secret: str
    token: ApiToken
    user: str
    org: str | None


def create_token(
    ctx: Context,
    *,
    actor: Actor,
    user: str,
    org: str | None = None,
    expires: str = "90d",
    note: str = "",
) -> NewToken:
    """An API token for ``user`` (one's own, or anyone's for an administrator), optionally
    bound to one org; stored as a digest only."""
    now = ctx.clock.now()
    expires_at = parse_expiry(expires, now)
    with ctx.uow() as uow:
        owner = _user(uow, user)
        if owner.id != actor.user_id:
            actor.require_admin(action=f"create tokens for {owner.name}")
        bound = org_for(uow, actor_of(uow, owner, actor.entrypoint), org) if org else None
        secret, token = store_token(uow, owner, bound, now=now, expires_at=expires_at, note=note)
        record(
            uow,
            at=now,
            actor=actor,
            action="token.created",
            org=bound,
            user=owner.name,
            token=token.id,
            expires_at=expires_at.isoformat() if expires_at else None,
        )
        uow.commit()
    return NewToken(secret, token, owner.name, bound.name if bound else None)


def store_token(
    uow: UnitOfWork,
    owner: User,
    bound: Org | None,
    *,
    now: datetime,
    expires_at: datetime | None,
    note: str,
) -> tuple[str, ApiToken]:
    """A new token of ``owner`` (bound to one org, or to none): its secret, shown once, and
    what is stored (a digest, never the secret)."""
    secret = new_secret(bound.id if bound else None)
    token = uow.tokens.add(
        ApiToken(
            id=0,
            user_id=owner.id,
            digest=token_digest(secret),
            prefix=secret[:10],
            created_at=now,
            org_id=bound.id if bound else None,
            expires_at=expires_at,
            note=note,
        )
    )
    return secret, token


@dataclass(frozen=True)
class TokenEntry:
    """A token as listings show it (never its secret)."""

    token: ApiToken
    user: str
    org: str | None


def list_tokens(ctx: Context, *, actor: Actor, user: str | None = None) -> list[TokenEntry]:
    """The caller's tokens; an administrator's view may name any user, or everyone's."""
    with ctx.uow(read_only=True) as uow:
        if user is None and actor.is_admin:
            tokens = uow.tokens.of_user()
        else:
            owner = _user(uow, user) if user else None
            owner_id = owner.id if owner else actor.user_id
            if owner_id != actor.user_id:
                actor.require_admin(action="see other users' tokens")
            tokens = uow.tokens.of_user(owner_id)
        names = {u.id: u.name for u in uow.users.all()}
        orgs = {o.id: o.name for o in uow.orgs.all(include_gone=True)}
    return [
        TokenEntry(t, names.get(t.user_id, str(t.user_id)), orgs.get(t.org_id or ""))
        for t in tokens
    ]


def revoke_token(ctx: Context, *, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token (one's own, or anyone's for an administrator)."""
    with ctx.uow() as uow:
        token = uow.tokens.get(token_id)
        if token is None or (token.user_id != actor.user_id and not actor.is_admin):
            raise NotFound(f"no token {token_id}")
        if token.revoked_at is not None:
            raise Refused(f"token {token_id} is already revoked")
        now = ctx.clock.now()
        uow.tokens.revoke(token.id, now)
        owner = uow.users.get(token.user_id)
        assert owner is not None
        record(
            uow,
            at=now,
            actor=actor,
            action="token.revoked",
            org=None,
            user=owner.name if owner else None,
            token=token.id,
        )
        uow.commit()
    return ApiToken(**{**token.__dict__, "revoked_at": now})


def _user(uow: UnitOfWork, name: str) -> User:
    user = uow.users.named(name)
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


def _hashed(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Refused(f"a password needs at least {MIN_PASSWORD} characters")
    return hash_password(password)
