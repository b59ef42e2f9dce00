"""Turning domain objects into JSON-ready dicts and Rich tables."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from changeway.domain.audit import AuditEvent
from changeway.domain.changesets import ChangeSet, InboundChangeSet, Item
from changeway.domain.components import ComponentKey
from changeway.domain.connections import Connection, PromotionPaths
from changeway.domain.dependencies import Reference
from changeway.domain.deployments import ComponentResult, Deployment
from changeway.domain.jobs import Job
from changeway.domain.versions import OrgVersion
from changeway.services.dependencies import Needed
from changeway.services.metadata import ComponentEntry
from changeway.services.orgs import OrgSummary


def org_dict(summary: OrgSummary) -> dict[str, Any]:
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


def orgs_table(summaries: list[OrgSummary]) -> Table:
    table = Table("Name", "Kind", "Production", "Status", "Id", "Source")
    for s in summaries:
        table.add_row(
            s.org.name,
            s.org.kind.value,
            s.production_name,
            s.org.status.value,
            s.org.id,
            s.source_name or "",
        )
    return table


def connection_dict(conn: Connection) -> dict[str, Any]:
    return {
        "org": conn.other.name,
        "id": conn.other.id,
        "kind": conn.other.kind.value,
        "allows_inbound": conn.allows_inbound,
        "accepts_outbound": conn.accepts_outbound,
    }


def connections_table(org_name: str, conns: list[Connection]) -> Table:
    table = Table(
        "Connected org",
        "Kind",
        f"{org_name} allows inbound from it",
        f"{org_name} accepts outbound to it",
        title=f"Deployment connections of {org_name}",
    )
    for c in conns:
        table.add_row(
            c.other.name, c.other.kind.value, _yes(c.allows_inbound), _yes(c.accepts_outbound)
        )
    return table


def matrix_dict(paths: PromotionPaths) -> dict[str, Any]:
    """``allows_inbound[target][source]`` for every ordered pair of distinct orgs."""
    return {
        "orgs": [o.name for o in paths.orgs],
        "allows_inbound": {
            t.name: {s.name: paths.allows(t, s) for s in paths.orgs if s.id != t.id}
            for t in paths.orgs
        },
    }


def matrix_table(paths: PromotionPaths) -> Table:
    table = Table(
        "target ↓ allows inbound from →",
        *[o.name for o in paths.orgs],
        title="Promotion paths (rows: receiving org)",
    )
    for target in paths.orgs:
        cells = ["—" if s.id == target.id else _yes(paths.allows(target, s)) for s in paths.orgs]
        table.add_row(target.name, *cells)
    return table


def graph_text(paths: PromotionPaths, fmt: str) -> str:
    """The promotion-path graph as plain arrows, Mermaid or Graphviz dot."""
    edges = [(s.name, t.name) for s, t in paths.edges]
    if fmt == "mermaid":
        lines = ["graph LR"] + [f'    {_node(o.name)}["{o.name}"]' for o in paths.orgs]
        lines += [f"    {_node(s)} --> {_node(t)}" for s, t in edges]
    elif fmt == "dot":
        lines = ["digraph promotion_paths {", "    rankdir=LR;"]
        lines += [f'    "{o.name}";' for o in paths.orgs]
        lines += [f'    "{s}" -> "{t}";' for s, t in edges] + ["}"]
    else:
        lines = [f"{s} -> {t}" for s, t in edges] or ["(no authorized paths)"]
        isolated = sorted({o.name for o in paths.orgs} - {n for e in edges for n in e})
        lines += [f"{name} (no paths)" for name in isolated]
    return "\n".join(lines)


def job_dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "org_id": job.org_id,
        "progress": round(job.progress, 3),
        "message": job.message,
        "error": job.error,
        "result": job.result,
        "attempts": job.attempts,
        "actor": job.actor,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def audit_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat() if event.at else None,
        "actor": event.actor,
        "action": event.action,
        "org": event.org_name,
        "org_id": event.org_id,
        "details": event.details,
    }


def audit_table(events: list[AuditEvent]) -> Table:
    table = Table("When", "Who", "Action", "Org", "Details", title="Audit trail")
    for e in events:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items())
        when = e.at.strftime("%Y-%m-%d %H:%M:%S") if e.at else ""
        table.add_row(when, e.actor, e.action, e.org_name or "", details)
    return table


def _node(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _yes(flag: bool) -> str:
    return "[green]yes[/]" if flag else "[dim]no[/]"


def component_entry_dict(entry: ComponentEntry) -> dict[str, Any]:
    return {
        "type": entry.key.type,
        "name": entry.key.name,
        "files": [{"path": f.path, "size": f.size, "sha256": f.hash} for f in entry.files],
    }


def version_dict(version: OrgVersion) -> dict[str, Any]:
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


def item_dict(item: Item) -> dict[str, Any]:
    return {
        "type": item.key.type,
        "name": item.key.name,
        "action": item.action.value,
        "phase": item.phase.value if item.phase else None,
        "content": item.content,
    }


def change_set_dict(cs: ChangeSet) -> dict[str, Any]:
    return {
        "id": cs.id,
        "name": cs.name,
        "description": cs.description,
        "status": cs.status.value,
        "created_by": cs.created_by,
        "created_at": cs.created_at.isoformat(),
        "closed_at": cs.closed_at.isoformat() if cs.closed_at else None,
        "components": [item_dict(i) for _k, i in sorted(cs.items.items())],
    }


def inbound_dict(inbound: InboundChangeSet, *, source: str, target: str) -> dict[str, Any]:
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
        "components": [item_dict(i) for _k, i in sorted(inbound.items.items())],
    }


def items_table(items: dict[ComponentKey, Item]) -> Table:
    table = Table("Type", "Name", "Action")
    for key, item in sorted(items.items()):
        action = item.action.value + (f" ({item.phase.value})" if item.phase else "")
        table.add_row(key.type, key.name, action)
    return table


def deployment_dict(d: Deployment) -> dict[str, Any]:
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


def result_table(results: list[ComponentResult], *, title: str) -> Table:
    table = Table("Type", "Name", "Result", "Problem", title=title)
    colours = {"failed": "red", "created": "green", "changed": "cyan", "deleted": "magenta"}
    for r in results:
        shown = r.path and r.path not in (r.problem or "")
        where = f" ({r.path}{':' + str(r.line) if r.line else ''})" if shown else ""
        colour = colours.get(r.outcome.value, "dim")
        table.add_row(
            r.key.type, r.key.name, f"[{colour}]{r.outcome.value}[/]", (r.problem or "") + where
        )
    return table


def reference_dict(ref: Reference) -> dict[str, Any]:
    return {
        "type": ref.target.type,
        "name": ref.target.name,
        "referenced_by": {"type": ref.source.type, "name": ref.source.name},
        "file": ref.path,
        "line": ref.line,
        "reason": ref.reason,
    }


def needed_dict(needed: Needed) -> dict[str, Any]:
    return {**reference_dict(needed.reference), "in_source": needed.in_source}


def usage_dict(ref: Reference) -> dict[str, Any]:
    """Where-used: the component that references, and where."""
    return {
        "type": ref.source.type,
        "name": ref.source.name,
        "file": ref.path,
        "line": ref.line,
        "reason": ref.reason,
        "uses": {"type": ref.target.type, "name": ref.target.name},
    }
