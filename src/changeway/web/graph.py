"""The promotion-path graph as inline SVG, laid out by Graphviz ``dot``.

Each authorized direction is one edge (``<g class="edge">``) carrying ``data-from`` and
``data-to`` with the org names, so that pages and checks can read the arrows.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache

from lxml import etree

_SVG = "{http://www.w3.org/2000/svg}"


def _quoted(name: str) -> str:
    """A dot ID in double quotes (dot's only escape inside them is ``\\"``)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@lru_cache(maxsize=256)
def promotion_svg(orgs: tuple[str, ...], edges: tuple[tuple[str, str], ...], current: str) -> str:
    """An inline ``<svg>`` of ``orgs`` and the ``(source, target)`` directions; ``current``
    is drawn highlighted."""
    lines = [
        "digraph promotion_paths {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.6; ranksep=0.9;',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#1b5e9e",'
        ' fontname="DejaVu Sans", fontsize=12, margin="0.25,0.12"];',
        '  edge [color="#1b5e9e", penwidth=1.6, arrowsize=0.9];',
    ]
    for i, name in enumerate(orgs):
        fill = ', fillcolor="#dcebfa", penwidth=2' if name == current else ""
        lines.append(f'  n{i} [label={_quoted(name)}, id="org-{i}"{fill}];')
    index = {name: i for i, name in enumerate(orgs)}
    for k, (source, target) in enumerate(edges):
        lines.append(f'  n{index[source]} -> n{index[target]} [id="path-{k}"];')
    lines.append("}")
    svg = subprocess.run(
        ["dot", "-Tsvg"],
        input="\n".join(lines).encode(),
        capture_output=True,
        check=True,
        timeout=10,
    ).stdout
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    for k, (source, target) in enumerate(edges):
        for group in root.iter(f"{_SVG}g"):
            if group.get("id") == f"path-{k}":
                group.set("data-from", source)
                group.set("data-to", target)
                title = group.find(f"{_SVG}title")
                if title is not None:
                    title.text = f"{source} → {target}"
    for group in root.iter(f"{_SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{_SVG}title")
            label = group.find(f"{_SVG}text")
            if title is not None and label is not None:
                title.text = label.text
    root.set("role", "img")
    root.set("aria-labelledby", "graph-title")
    described = etree.SubElement(root, f"{_SVG}title", id="graph-title")
    described.text = "Promotion paths: " + (
        ", ".join(f"{s} → {t}" for s, t in edges) or "none authorized"
    )
    root.insert(0, described)
    return etree.tostring(root, encoding="unicode")
