"""Rich tables and text drawn from views (the JSON shapes of ``changeway.views``)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

#: Control characters (C0 but tab and newline, DEL, C1) shown as escapes on a terminal, so
#: stored files cannot drive it (colours, titles, cursor moves).
_CONTROLS = {
    c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\t\n"
}


def printable(text: str) -> str:
    """``text`` with its control characters written as ``\\xNN``."""
    return text.translate(_CONTROLS)


def orgs_table(orgs: list[dict[str, Any]]) -> Table:
    table = Table("Name", "Kind", "Production", "Status", "Id", "Source")
    for o in orgs:
        table.add_row(
            o["name"], o["kind"], o["production"], o["status"], o["id"], o["source"] or ""
        )
    return table


def connections_table(org_name: str, conns: list[dict[str, Any]]) -> Table:
    table = Table(
        "Connected org",
        "Kind",
        f"{org_name} allows inbound from it",
        f"{org_name} accepts outbound to it",
        title=f"Deployment connections of {org_name}",
    )
    for c in conns:
        table.add_row(c["org"], c["kind"], _yes(c["allows_inbound"]), _yes(c["accepts_outbound"]))
    return table


def matrix_table(paths: dict[str, Any]) -> Table:
    orgs = paths["orgs"]
    table = Table(
        "target ↓ allows inbound from →", *orgs, title="Promotion paths (rows: receiving org)"
    )
    for target in orgs:
        row = paths["allows_inbound"][target]
        table.add_row(target, *["—" if s == target else _yes(row[s]) for s in orgs])
    return table


def graph_text(paths: dict[str, Any], fmt: str) -> str:
    """The promotion-path graph as plain arrows, Mermaid or Graphviz dot."""
    edges = [(e["source"], e["target"]) for e in paths["edges"]]
    if fmt == "mermaid":
        lines = ["graph LR"] + [f'    {_node(o)}["{o}"]' for o in paths["orgs"]]
        lines += [f"    {_node(s)} --> {_node(t)}" for s, t in edges]
    elif fmt == "dot":
        lines = ["digraph promotion_paths {", "    rankdir=LR;"]
        lines += [f'    "{o}";' for o in paths["orgs"]]
        lines += [f'    "{s}" -> "{t}";' for s, t in edges] + ["}"]
    else:
        lines = [f"{s} -> {t}" for s, t in edges] or ["(no authorized paths)"]
        isolated = sorted(set(paths["orgs"]) - {n for e in edges for n in e})
        lines += [f"{name} (no paths)" for name in isolated]
    return "\n".join(lines)


def audit_table(events: list[dict[str, Any]]) -> Table:
    table = Table("When", "Who", "Via", "Action", "Org", "Details", title="Audit trail")
    for e in events:
        details = "; ".join(
            f"{k}: {readable(v)}" for k, v in e["details"].items() if v not in (None, [], {})
        )
        when = e["at"][:19].replace("T", " ") if e["at"] else ""
        table.add_row(
            when, e["actor"], e["entrypoint"] or "", e["action"], e["org"] or "", escape(details)
        )
    return table


def items_table(items: list[dict[str, Any]]) -> Table:
    table = Table("Type", "Name", "Action")
    for item in items:
        action = item["action"] + (f" ({item['phase']})" if item["phase"] else "")
        table.add_row(item["type"], item["name"], action)
    return table


def result_table(results: list[dict[str, Any]], *, title: str) -> Table:
    table = Table("Type", "Name", "Result", "Problem", title=title)
    colours = {"failed": "red", "created": "green", "changed": "cyan", "deleted": "magenta"}
    for r in results:
        path, problem, line = r["file"], r["problem"] or "", r["line"]
        where = (
            f" ({path}{':' + str(line) if line else ''})" if path and path not in problem else ""
        )
        colour = colours.get(r["result"], "dim")
        table.add_row(r["type"], r["name"], f"[{colour}]{r['result']}[/]", escape(problem + where))
    return table


def readable(value: Any) -> str:
    """A value of a view as people read it: no Python reprs, no ``None``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {readable(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(readable(v) for v in value) or "-"
    return str(value)


def _node(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _yes(flag: bool) -> str:
    return "[green]yes[/]" if flag else "[dim]no[/]"
