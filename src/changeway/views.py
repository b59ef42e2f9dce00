"""The JSON shapes of everything changeway shows: one module for the CLI's ``--json`` and
the API, so that the two cannot drift. Every view is a JSON-ready dict or list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # views only read these; importing them here would slow every command
    from changeway.domain.audit import AuditEvent
    from changeway.domain.changesets import ChangeSet
    from changeway.domain.components import Component, ComponentKey
    from changeway.domain.connections import Connection, PromotionPaths
    from changeway.domain.dependencies import Reference
    from changeway.domain.deployments import Deployment
    from changeway.domain.jobs import Job
    from changeway.domain.versions import OrgVersion
    from changeway.services.compare import Comparison
    from changeway.services.dependencies import Needed
    from changeway.services.deployments import Preview
    from changeway.services.inbound import Inbound
    from changeway.services.jwt_logins import JwtKeyEntry
    from changeway.services.metadata import ComponentEntry, ImportResult
    from changeway.services.orgs import OrgSummary
    from changeway.services.users import NewToken, TokenEntry, UserEntry


def org_view(summary: OrgSummary) -> dict[str, Any]:
    org = summary.org
    data: dict[str, Any] = {
        "id": org.id,
        "name": org.name,
        "kind": org.kind.value,
        "production": summary.production_name,
        "production_id": org.production_id,
        "status": org.status.value,
        "source": summary.source_name,
        "created_at": org.created_at.isoformat(),
        "copied_at": org.copied_at.isoformat() if org.copied_at else None,
        "allow_direct_changes": org.allow_direct_changes,
    }
    if summary.refresh is not None:
        data["refresh"] = {"id": summary.refresh.id, "status": summary.refresh.status.value}
    if org.limits is not None:
        data["limits"] = org.limits.to_json()
    if summary.version is not None:
        data["version"] = summary.version.number
        data["components"] = summary.version.components
    if org.project:
        data["project"] = dict(org.project)
    return data


def connection_view(conn: Connection) -> dict[str, Any]:
    return {
        "org": conn.other.name,
        "id": conn.other.id,
        "kind": conn.other.kind.value,
        "allows_inbound": conn.allows_inbound,
        "accepts_outbound": conn.accepts_outbound,
    }


def matrix_view(paths: PromotionPaths) -> dict[str, Any]:
    """``allows_inbound[target][source]`` for every ordered pair of distinct orgs."""
    return {
        "orgs": [o.name for o in paths.orgs],
        "allows_inbound": {
            t.name: {s.name: paths.allows(t, s) for s in paths.orgs if s.id != t.id}
            for t in paths.orgs
        },
    }


def job_view(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "org_id": job.org_id,
        "progress": round(job.progress, 3),
        "message": job.message,
        "error": job.error,
        "error_code": job.error_code,
        "result": job.result,
        "attempts": job.attempts,
        "actor": job.actor,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def audit_view(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat() if event.at else None,
        "actor": event.actor,
        "user": event.user,
        "by": event.by,
        "entrypoint": event.entrypoint,
        "action": event.action,
        "org": event.org_name,
        "org_id": event.org_id,
        "details": event.details,
    }


def component_entry_view(entry: ComponentEntry) -> dict[str, Any]:
    return {
        "type": entry.key.type,
        "name": entry.key.name,
        "files": [{"path": f.path, "size": f.size, "sha256": f.hash} for f in entry.files],
    }


def version_view(version: OrgVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "id": version.id,
        "kind": version.kind.value,
        "author": version.author,
        "reason": version.reason,
        "created_at": version.created_at.isoformat(),
        "components": version.components,
        "parent_id": version.parent_id,
    }


def change_set_view(cs: ChangeSet) -> dict[str, Any]:
    return {
        "id": cs.id,
        "name": cs.name,
        "description": cs.description,
        "status": cs.status.value,
        "created_by": cs.created_by,
        "created_at": cs.created_at.isoformat(),
        "closed_at": cs.closed_at.isoformat() if cs.closed_at else None,
        "components": [i.to_json() for _k, i in sorted(cs.items.items())],
    }


def inbound_view(entry: Inbound) -> dict[str, Any]:
    inbound, source, target = entry.change_set, entry.source, entry.target
    return {
        "id": inbound.id,
        "name": inbound.name,
        "description": inbound.description,
        "source": source,
        "source_id": inbound.source_org_id,
        "target": target,
        "uploaded_by": inbound.uploaded_by,
        "uploaded_at": inbound.uploaded_at.isoformat(),
        "status": inbound.status.value,
        "deployed_at": inbound.deployed_at.isoformat() if inbound.deployed_at else None,
        "components": [i.to_json() for _k, i in sorted(inbound.items.items())],
    }


def deployment_view(d: Deployment) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind.value,
        "status": d.status.value,
        "target_id": d.target_org_id,
        "inbound_id": d.inbound_id,
        "validation_id": d.validation_id,
        "rollback_of": d.rollback_of_id,
        "created_by": d.created_by,
        "created_at": d.created_at.isoformat(),
        "started_at": d.started_at.isoformat() if d.started_at else None,
        "finished_at": d.finished_at.isoformat() if d.finished_at else None,
        "test_level": d.test_level.value,
        "tests": d.tests,
        "allow_overwrite": d.allow_overwrite,
        "overwrite_reason": d.overwrite_reason,
        "error": d.error,
        "components": [c.to_json() for c in d.components],
        "test_results": d.tests_result,
        "timings": d.timings,
        "job_id": d.job_id,
    }


def reference_view(ref: Reference) -> dict[str, Any]:
    return {
        "type": ref.target.type,
        "name": ref.target.name,
        "referenced_by": {"type": ref.source.type, "name": ref.source.name},
        "file": ref.path,
        "line": ref.line,
        "reason": ref.reason,
    }


def needed_view(needed: Needed) -> dict[str, Any]:
    return {**reference_view(needed.reference), "in_source": needed.in_source}


def usage_view(ref: Reference) -> dict[str, Any]:
    """Where-used: the component that references, and where."""
    return {
        "type": ref.source.type,
        "name": ref.source.name,
        "file": ref.path,
        "line": ref.line,
        "reason": ref.reason,
        "uses": {"type": ref.target.type, "name": ref.target.name},
    }


def key_view(key: ComponentKey) -> dict[str, str]:
    return {"type": key.type, "name": key.name}


def import_view(result: ImportResult) -> dict[str, Any]:
    return {
        "org": result.org.name,
        "version": result.version.number if result.version else None,
        "added": [key_view(k) for k in result.added],
        "changed": [key_view(k) for k in result.changed],
        "deleted": [key_view(k) for k in result.deleted],
        "skipped": result.skipped,
        "warnings": result.warnings,
    }


def component_view(component: Component) -> dict[str, Any]:
    return {
        "type": component.type,
        "name": component.name,
        "files": [
            {"path": p, "size": len(d), "content": d.decode("utf-8", "replace")}
            for p, d in sorted(component.files.items())
        ],
    }


def comparison_view(result: Comparison, *, with_diffs: bool) -> dict[str, Any]:
    def changed(k: ComponentKey) -> dict[str, Any]:
        files = [
            {"path": f.path, "status": f.status, "diff": f.diff} for f in result.diffs.get(k, [])
        ]
        return {**key_view(k), **({"files": files} if with_diffs else {})}

    return {
        "a": f"{result.a.org.name}@{result.a.version.number}",
        "b": f"{result.b.org.name}@{result.b.version.number}",
        "added": [key_view(k) for k in result.added],
        "changed": [changed(k) for k in result.changed],
        "deleted": [key_view(k) for k in result.deleted],
        "identical": result.identical,
    }


def preview_view(found: Preview) -> dict[str, Any]:
    return {
        "org": found.target.name,
        "components": [
            {**r.to_json(), "files": [f.__dict__ for f in found.diffs.get(r.key, [])]}
            for r in found.results
        ],
    }


def graph_view(paths: PromotionPaths) -> dict[str, Any]:
    """The matrix, and the authorized directions as edges (for graphs)."""
    return {
        **matrix_view(paths),
        "edges": [{"source": s.name, "target": t.name} for s, t in paths.edges],
    }


def user_view(entry: UserEntry) -> dict[str, Any]:
    return {
        "id": entry.user.id,
        "name": entry.user.name,
        "admin": entry.user.is_admin,
        "has_password": entry.user.password_hash is not None,
        "created_at": entry.user.created_at.isoformat(),
        "permissions": entry.grants,
    }


def token_view(entry: TokenEntry) -> dict[str, Any]:
    t = entry.token
    return {
        "id": t.id,
        "user": entry.user,
        "org": entry.org,
        "prefix": t.prefix,
        "note": t.note,
        "created_at": t.created_at.isoformat(),
        "expires_at": t.expires_at.isoformat() if t.expires_at else None,
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
    }


def jwt_key_view(entry: JwtKeyEntry) -> dict[str, Any]:
    """A registered JWT key: whose, for which client id, and its fingerprint (not the key)."""
    return {
        "user": entry.user,
        "client_id": entry.key.client_id,
        "fingerprint": entry.key.fingerprint,
        "created_at": entry.key.created_at.isoformat(),
    }


def new_token_view(new: NewToken) -> dict[str, Any]:
    """The one time a token's secret is shown."""
    return {
        "token": new.secret,
        "user": new.user,
        "org": new.org,
        "id": new.token.id,
        "expires_at": new.token.expires_at.isoformat() if new.token.expires_at else None,
    }
