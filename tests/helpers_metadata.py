"""Helpers for the change set and deployment tests: seed org metadata, build the reference
family, and drive change sets and deployments through the real services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from changeway.bootstrap import App
from changeway.domain import tree
from changeway.domain.changesets import InboundChangeSet
from changeway.domain.components import Component, ComponentKey
from changeway.domain.deployments import Deployment, TestLevel
from changeway.domain.jobs import Job
from changeway.domain.orgs import Org
from changeway.domain.versions import OrgVersion, VersionKind
from changeway.services import changesets, deployments, inbound, versions
from changeway.services.jobs import JobHandler, run_next
from changeway.services.lookup import resolve_org
from tests.helpers import ACTOR, WORKER, allow, make_production, make_sandbox, trail, user

CLASSES = "force-app/main/default/classes"
META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n'
    b"    <apiVersion>62.0</apiVersion>\n"
    b"    <status>Active</status>\n"
    b"</ApexClass>\n"
)


def apex(name: str, body: str | None = None) -> Component:
    """An Apex class in source format (a ``.cls`` file and its well-formed meta file)."""
    text = body if body is not None else f"public class {name} {{ }}\n"
    return Component(
        "ApexClass",
        name,
        {f"{CLASSES}/{name}.cls": text.encode(), f"{CLASSES}/{name}.cls-meta.xml": META},
    )


def key(text: str) -> ComponentKey:
    return ComponentKey.parse(text)


def put(
    app: App,
    org: str,
    components: Iterable[Component] = (),
    *,
    delete: Iterable[str] = (),
    reason: str = "seed",
) -> OrgVersion:
    """Change an org's metadata directly (as an import would): a new version on its head."""
    with app.uow() as uow:
        target = resolve_org(uow, org)
        head = versions.head_version(uow, target)
        changes: dict[ComponentKey, str | None] = dict(
            versions.store_components(uow, list(components))
        )
        changes.update({key(k): None for k in delete})
        root = tree.apply_changes(uow.metadata, head.root, changes)
        version = versions.commit_version(
            uow,
            org=target,
            root=root,
            kind=VersionKind.IMPORT,
            author=ACTOR,
            reason=reason,
            at=app.clock.now(),
            parent_id=head.id,
        )
        uow.commit()
    return version


def contents(app: App, org: str) -> dict[ComponentKey, str]:
    """The org's head: every component and its content hash."""
    with app.uow() as uow:
        head = versions.head_version(uow, resolve_org(uow, org))
        return versions.component_index(uow, head.root)


def files(app: App, org: str, component: str) -> dict[str, bytes] | None:
    """The files of one component at the org's head, or None when absent."""
    with app.uow() as uow:
        head = versions.head_version(uow, resolve_org(uow, org))
        digest = tree.lookup(uow.metadata, head.root, key(component))
        if digest is None:
            return None
        (found,) = versions.load_components(uow, {key(component): digest})
        return dict(found.files)


def head(app: App, org: str) -> OrgVersion:
    with app.uow() as uow:
        return versions.head_version(uow, resolve_org(uow, org))


def version_count(app: App, org: str) -> int:
    return head(app, org).number


def org(app: App, ref: str) -> Org:
    with app.uow() as uow:
        return resolve_org(uow, ref)


@dataclass(frozen=True)
class Family:
    """The reference scenario: Prod with sandboxes Dev and Test, all holding classes A, B, U.

    Authorized paths: Test→Prod, Prod→Dev, Dev→Test and Test→Dev.
    """

    prod: Org
    dev: Org
    test: Org


def family(app: App) -> Family:
    """Build the reference scenario through the real services."""
    prod = make_production(app, "Prod")
    put(
        app,
        "Prod",
        [apex("A", "class A { /* v1 */ }"), apex("B", "class B { /* v1 */ }"), apex("U")],
    )
    dev = make_sandbox(app, "Dev")
    test = make_sandbox(app, "Test")
    for target, source in (("Prod", "Test"), ("Dev", "Prod"), ("Test", "Dev"), ("Dev", "Test")):
        allow(app, target, source)
    return Family(prod, dev, test)


def create(app: App, org: str, name: str, description: str = "") -> None:
    changesets.create_change_set(app, actor=user(app), org=org, name=name, description=description)


def add(app: App, org: str, name: str, *components: str, **options: Any) -> None:
    changesets.add_components(
        app, actor=user(app), org=org, name=name, components=components, **options
    )


def upload(app: App, org: str, name: str, target: str, **options: Any) -> InboundChangeSet:
    return changesets.upload_change_set(
        app, actor=user(app), org=org, name=name, target=target, **options
    )


def change_set(
    app: App, org: str, name: str, *components: str, target: str, **options: Any
) -> InboundChangeSet:
    """Create, fill and upload a change set in one go."""
    create(app, org, name)
    add(app, org, name, *components, **options)
    return upload(app, org, name, target)


def inbound_list(app: App, org: str) -> list[InboundChangeSet]:
    page = inbound.list_inbound(app, actor=user(app), org=org, limit=1000)
    return [i.change_set for i in page.items]


def request(
    app: App,
    org: str,
    ref: str,
    *,
    check_only: bool = False,
    test_level: TestLevel = TestLevel.DEFAULT,
    tests: list[str] | None = None,
    allow_overwrite: bool = False,
    reason: str | None = None,
) -> Deployment:
    return deployments.request_deployment(
        app,
        actor=user(app),
        org=org,
        ref=ref,
        check_only=check_only,
        test_level=test_level,
        tests=tests,
        allow_overwrite=allow_overwrite,
        reason=reason,
    )


def run(
    app: App, d: Deployment, handlers: Mapping[str, JobHandler] | None = None
) -> tuple[Deployment, Job]:
    """Run a deployment's job to its end; return the deployment and job as they ended."""
    job = run_next(
        app.uow,
        clock=app.clock,
        worker=WORKER,
        handlers=handlers or app.handlers,
        job_id=d.job_id,
    )
    assert job is not None, f"the job of deployment {d.id} could not be claimed"
    return get(app, d.id), job


def deploy(
    app: App,
    org: str,
    ref: str,
    *,
    handlers: Mapping[str, JobHandler] | None = None,
    **options: Any,
) -> Deployment:
    """Request a deployment (or validation, ``check_only=True``) and run it."""
    return run(app, request(app, org, ref, **options), handlers)[0]


def get(app: App, deployment_id: int) -> Deployment:
    return deployments.show_deployment(app, actor=user(app), deployment_id=deployment_id)


def outcomes(d: Deployment) -> dict[str, str]:
    """``{"TYPE:NAME": outcome}`` of a deployment's per-component results."""
    return {str(r.key): r.outcome.value for r in d.components}


def audit_actions(app: App, org: str | None = None) -> list[Any]:
    return trail(app, org)
