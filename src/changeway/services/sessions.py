"""Logging in to the web UI: sessions stored in the database (docs/model.md, "Web UI").

A login checks the password (argon2), stores a new session and returns its secret for the
cookie; each request finds the session by the secret's digest, refusing an expired one.
"""

from __future__ import annotations

from dataclasses import dataclass

from changeway.domain.errors import NotAuthenticated
from changeway.domain.permissions import Actor, Entrypoint
from changeway.domain.sessions import SESSION_LIFETIME, WebSession, new_session_secret
from changeway.domain.users import token_digest
from changeway.services.audit import record
from changeway.services.context import Context
from changeway.services.users import actor_of, authenticate_password


@dataclass(frozen=True)
class LoggedIn:
    """A session as a request sees it: who acts, the CSRF token its forms carry, and the
    cookie's secret (known only right after login)."""

    actor: Actor
    csrf: str
    secret: str = ""


def log_in(ctx: Context, *, name: str, password: str) -> LoggedIn:
    """Check the password and open a session; expired sessions are cleared on the way."""
    actor = authenticate_password(ctx, name=name, password=password, entrypoint=Entrypoint.WEB)
    now = ctx.clock.now()
    secret, csrf = new_session_secret(), new_session_secret()
    with ctx.uow() as uow:
        uow.sessions.remove_expired(now)
        uow.sessions.add(
            WebSession(token_digest(secret), actor.user_id, csrf, now, now + SESSION_LIFETIME)
        )
        record(uow, at=now, actor=actor, action="user.logged_in", org=None, user=actor.name)
        uow.commit()
    return LoggedIn(actor, csrf, secret)


def resume(ctx: Context, *, secret: str) -> LoggedIn:
    """The session whose cookie holds ``secret``, with the user's grants as stored now."""
    with ctx.uow(read_only=True) as uow:
        session = uow.sessions.get(token_digest(secret))
        if session is None or not session.usable(ctx.clock.now()):
            raise NotAuthenticated("not logged in, or the session has expired")
        user = uow.users.get(session.user_id)
        if user is None:
            raise NotAuthenticated("not logged in: the session's user is gone")
        return LoggedIn(actor_of(uow, user, Entrypoint.WEB), session.csrf)


def log_out(ctx: Context, *, secret: str) -> None:
    """End the session whose cookie holds ``secret`` (nothing happens for an unknown one)."""
    with ctx.uow() as uow:
        session = uow.sessions.get(token_digest(secret))
        if session is None:
            return
        uow.sessions.remove(session.digest)
        user = uow.users.get(session.user_id)
        if user is not None:
            actor = actor_of(uow, user, Entrypoint.WEB)
            record(
                uow,
                at=ctx.clock.now(),
                actor=actor,
                action="user.logged_out",
                org=None,
                user=user.name,
            )
        uow.commit()
