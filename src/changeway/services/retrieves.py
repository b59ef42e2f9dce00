"""Retrieve requests of Salesforce's tools: what a manifest names, from the org's version at
the time of asking (docs/model.md, "Salesforce's tools")."""

from __future__ import annotations

from dataclasses import dataclass

from changeway.domain.components import Component, ComponentKey
from changeway.domain.deployments import RetrieveRequest
from changeway.domain.errors import NotFound, Refused
from changeway.domain.orgs import Org
from changeway.domain.permissions import Actor
from changeway.services.context import Context
from changeway.services.lookup import org_for
from changeway.services.versions import component_index, head_version, load_components

MAX_MEMBERS = 10_000


def request_retrieve(
    ctx: Context,
    *,
    actor: Actor,
    org: str,
    members: list[tuple[str, str]],
    single_package: bool,
) -> RetrieveRequest:
    """Remember what to retrieve from ``org``'s current version (``*`` names every member of
    a type); needs view_setup there."""
    if not members:
        raise Refused("a retrieve names at least one type and member")
    if len(members) > MAX_MEMBERS:
        raise Refused(f"a retrieve names at most {MAX_MEMBERS} members")
    with ctx.uow() as uow:
        target = org_for(uow, actor, org)
        head = head_version(uow, target)
        made = uow.retrieves.add(
            RetrieveRequest(
                id=0,
                org_id=target.id,
                version_id=head.id,
                members=sorted(set(members)),
                single_package=single_package,
                created_by=actor.label,
                created_at=ctx.clock.now(),
            )
        )
        uow.commit()
    return made


@dataclass(frozen=True)
class Retrieved:
    """What a retrieve found, and what it named that the org does not hold."""

    request: RetrieveRequest
    org: Org
    components: list[Component]
    missing: list[ComponentKey]


def retrieve_result(ctx: Context, *, actor: Actor, request_id: int, org_id: str) -> Retrieved:
    """The components of a retrieve request made in ``org_id``."""
    with ctx.uow(read_only=True) as uow:
        request = uow.retrieves.get(request_id)
        org = uow.orgs.get(request.org_id) if request else None
        if request is None or org is None or org.id != org_id or not actor.can_see(org):
            raise NotFound(f"no retrieve request {request_id}")
        version = uow.metadata.get_version(request.version_id)
        if version is None:
            raise NotFound(f"the version retrieve request {request_id} read is gone")
        index = component_index(uow, version.root)
        every = {t for t, m in request.members if m == "*"}
        named = {ComponentKey(t, m) for t, m in request.members if m != "*"}
        folded = {(k.type, k.name.lower()): k for k in index}
        found = {
            folded[(k.type, k.name.lower())] for k in named if (k.type, k.name.lower()) in folded
        }
        missing = sorted(k for k in named if (k.type, k.name.lower()) not in folded)
        wanted = {k: h for k, h in index.items() if k.type in every or k in found}
        return Retrieved(request, org, load_components(uow, wanted), missing)
