"""Sessions of Salesforce's own tools: an org-bound token stands for a user in one org
(docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

from dataclasses import dataclass

from changeway.domain.errors import NotAuthenticated
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor, Entrypoint
from changeway.domain.users import User
from changeway.services.context import Context
from changeway.services.users import authenticate_token


@dataclass(frozen=True)
class Session:
    """Who is logged in, and to which org."""

    actor: Actor
    user: User
    org: Org


def open_session(ctx: Context, *, token: str, entrypoint: Entrypoint = Entrypoint.SF) -> Session:
    """The session a token opens; only tokens bound to an org the user may see open one."""
    actor, org_id = authenticate_token(ctx, token=token, entrypoint=entrypoint)
    if org_id is None:
        raise NotAuthenticated("not authenticated: Salesforce tools need a token bound to one org")
    with ctx.uow(read_only=True) as uow:
        org = uow.orgs.get(org_id)
        user = uow.users.get(actor.user_id)
    if org is None or user is None or not org.is_active or not actor.can_see(org):
        raise NotAuthenticated(
            "not authenticated: the token's org is gone, inactive, or no longer visible to"
            f" {actor.name}"
        )
    return Session(actor, user, org)
