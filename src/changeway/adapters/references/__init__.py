"""Reference extraction: what each component names, read from its files.

``extract_references`` dispatches by metadata type and by file suffix; ``provided_keys`` says
which keys a component makes exist. Both feed ``changeway.domain.dependencies.DependencyGraph``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from changeway.adapters.references import (
    _xml,
    apex,
    bundles,
    declarative,
    templates,
    visualforce,
)
from changeway.adapters.references._collect import References
from changeway.adapters.references.containers import CHILD_SECTIONS, children, provided_keys
from changeway.domain.components import Component
from changeway.domain.dependencies import OBJECT_CHILD_TYPES, DependencyGraph, Reference

__all__ = ["CHILD_SECTIONS", "VERSION", "build_graph", "extract_references", "provided_keys"]

#: Changes whenever the extractors find something else in the same files: analyses cached
#: under another version are extracted again.
VERSION = 5

_TRANSLATIONS = frozenset({"CustomObjectTranslation", "CustomFieldTranslation"})
_AURA_MARKUP = (".cmp", ".app", ".evt", ".intf", ".design", ".tokens", ".auradoc")


def extract_references(component: Component) -> list[Reference]:
    """Every reference that ``component`` makes, with file, line and reason."""
    refs = References(component)
    for path, data in sorted(component.files.items()):
        _extract_file(refs, component, path, data)
    if component.type in OBJECT_CHILD_TYPES or component.type in declarative.NAMED_AFTER_OBJECT:
        first_path = min(component.files, default="")
        declarative.extract_object_parent(refs, component.key, first_path)
    if component.type in _TRANSLATIONS:
        declarative.extract_translated(refs, component.key, min(component.files, default=""))
    for child, element, path in children(component):
        declarative.extract_table(refs, child, path, element, child.type)
    return refs.found


def build_graph(components: Iterable[Component]) -> DependencyGraph:
    """Analyse components and return their dependency graph."""
    graph = DependencyGraph()
    for component in components:
        graph.replace(component.key, extract_references(component), provided_keys(component))
    return graph


def _extract_file(refs: References, component: Component, path: str, data: bytes) -> None:
    kind = component.type
    source = _SOURCE_EXTRACTORS.get(kind)
    if source is not None:
        for suffixes, extract in source:
            if path.endswith(suffixes):
                extract(refs, path, data.decode("utf-8", errors="replace"))
                if not path.endswith("-meta.xml"):
                    return
                break  # a metadata file read as source is read by the table as well
    if kind in declarative.RULES or kind == "Flow":
        root = _xml.parse(data)
        if root is None:
            return
        if kind == "Flow":
            declarative.extract_flow(refs, path, root)
        else:
            declarative.extract_table(refs, component.key, path, root, kind)


_SourceExtractor = Callable[[References, str, str], None]

# Type -> (file suffixes, extractor) for files read as source code or markup.
_SOURCE_EXTRACTORS: Mapping[str, tuple[tuple[tuple[str, ...], _SourceExtractor], ...]] = {
    "ApexClass": (((".cls",), apex.extract_apex),),
    "ApexTrigger": (((".trigger",), apex.extract_apex),),
    "ApexPage": (((".page",), visualforce.extract_visualforce),),
    "ApexComponent": (((".component",), visualforce.extract_visualforce),),
    "LightningComponentBundle": (
        ((".js", ".ts", ".css"), bundles.extract_lwc_script),
        ((".html",), bundles.extract_lwc_markup),
        ((".js-meta.xml",), bundles.extract_lwc_config),
    ),
    "AuraDefinitionBundle": (
        (_AURA_MARKUP, bundles.extract_aura_markup),
        ((".js",), bundles.extract_aura_script),
    ),
    "ExperienceBundle": (((".json",), bundles.extract_experience_view),),
    "EmailTemplate": (((".email",), templates.extract_email),),
}
