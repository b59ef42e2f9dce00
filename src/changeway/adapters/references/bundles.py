"""References in Lightning web components and Aura bundles: imports, markup, labels, resources."""

from __future__ import annotations

import re
from collections.abc import Callable

from changeway.adapters.references._collect import References
from changeway.adapters.references._names import (
    component_refs,
    field_path_keys,
    kebab_to_camel,
    namespaced,
    object_key,
)
from changeway.domain.components import ComponentKey

# Comments are blanked (keeping line breaks) so commented-out imports do not count.
_JS_COMMENT = re.compile(
    r"""(?P<keep>'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)"""
    r"|(?P<drop>//[^\n]*|/\*.*?(?:\*/|\Z))",
    re.DOTALL,
)
_MARKUP_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)

_JS_MODULE = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|@import\s+)['"](?P<module>[^'"\n]+)['"]"""
)
_LWC_CHILD = re.compile(r"<c-(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)[\s/>]")
_AURA_TAG = re.compile(r"<c:(?P<name>[A-Za-z_][\w]*)")
_MARKUP_TAG = re.compile(r"<(?P<tag>[A-Za-z][\w:-]*)(?P<attributes>[^>]*)>")
_AURA_ATTRIBUTE = re.compile(
    r"""\b(?P<attribute>controller|extends|implements|type|event)\s*=\s*["'](?P<value>[^"']+)["']"""
)
_AURA_JS_COMPONENT = re.compile(r"""["'](?:e\.|markup://)?c:(?P<name>[A-Za-z_][\w]*)["']""")
_GLOBAL_LABEL = re.compile(r"\$Label\.(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)")
_GLOBAL_RESOURCE = re.compile(r"\$Resource\.(?P<name>[A-Za-z_][\w]*)")
# A property's picklist filled by an Apex class (LWC configuration, Aura design).
_APEX_DATASOURCE = re.compile(r"""\bdatasource\s*=\s*["']apex://(?P<name>[A-Za-z_][\w.]*)["']""")
# A component placed on an Experience Builder page (its views and routes are JSON).
_EXPERIENCE_COMPONENT = re.compile(r'"componentName"\s*:\s*"(?P<name>c:[A-Za-z_]\w*)"')
_EXPERIENCE_OBJECT = re.compile(r'"objectApiName"\s*:\s*"(?P<name>[A-Za-z]\w*)"')


def blank_comments(source: str, markup: bool = False) -> str:
    """The source with comments replaced by their line breaks, so lines keep their numbers."""

    def blank(match: re.Match[str]) -> str:
        if match.lastgroup == "keep":
            return match.group()
        return "\n" * match.group().count("\n")

    if markup:
        return _MARKUP_COMMENT.sub(blank, source)
    return _JS_COMMENT.sub(blank, source)


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _module_targets(module: str) -> tuple[list[ComponentKey], str]:
    """What an ``import ... from 'module'`` needs, and how to say it."""
    if module.startswith("c/"):
        name = module[2:].split("/")[0]
        return [ComponentKey("LightningComponentBundle", name)], f"imports component c/{name}"
    kind, _, rest = module.removeprefix("@salesforce/").partition("/")
    if not module.startswith("@salesforce/") or not rest:
        return [], ""
    if kind in {"apex", "apexContinuation"}:
        class_name = namespaced(rest.rpartition(".")[0] or rest)
        return [ComponentKey("ApexClass", class_name)], f"imports Apex method {rest}"
    if kind == "schema":
        obj, _, field = rest.partition(".")
        fields = field_path_keys(field, obj, qualified=False) if field else []
        return [object_key(obj), *fields], f"imports schema {rest}"
    builders: dict[str, Callable[[str], ComponentKey | None]] = {
        "label": lambda r: ComponentKey("CustomLabel", namespaced(r)) if "." in r else None,
        "messageChannel": lambda r: (
            ComponentKey("LightningMessageChannel", r[:-3]) if r.endswith("__c") else None
        ),
        "resourceUrl": lambda r: ComponentKey("StaticResource", r),
        "contentAssetUrl": lambda r: ComponentKey("ContentAsset", r),
        "customPermission": lambda r: ComponentKey("CustomPermission", r),
    }
    target = builders[kind](rest) if kind in builders else None
    return ([target], f"imports {kind} {rest}") if target else ([], "")


def extract_lwc_script(refs: References, path: str, source: str) -> None:
    """JavaScript and CSS of a Lightning web component: its module imports."""
    text = blank_comments(source)
    for match in _JS_MODULE.finditer(text):
        targets, reason = _module_targets(match.group("module"))
        refs.add_all(targets, path, _line(text, match.start()), f"LWC {reason}")


def extract_lwc_markup(refs: References, path: str, source: str) -> None:
    """HTML template of a Lightning web component: the child components it uses."""
    text = blank_comments(source, markup=True)
    for match in _LWC_CHILD.finditer(text):
        name = kebab_to_camel(match.group("name"))
        target = ComponentKey("LightningComponentBundle", name)
        refs.add(target, path, _line(text, match.start()), f"LWC template uses c-{match['name']}")


def extract_aura_markup(refs: References, path: str, source: str) -> None:
    """Aura markup: controller class, base component, events, child components, labels."""
    text = blank_comments(source, markup=True)
    for tag in _MARKUP_TAG.finditer(text):
        for match in _AURA_ATTRIBUTE.finditer(tag["attributes"]):
            line = _line(text, tag.start("attributes") + match.start())
            targets = _aura_attribute_targets(tag["tag"], match["attribute"], match["value"])
            reason = f"Aura {tag['tag']} {match['attribute']} {match['value']}"
            refs.add_all(targets, path, line, reason)
    for match in _AURA_TAG.finditer(text):
        refs.add_all(
            component_refs(f"c:{match['name']}"),
            path,
            _line(text, match.start()),
            f"Aura markup uses c:{match['name']}",
        )
    _extract_globals(refs, path, text, "Aura")
    _extract_datasources(refs, path, text, "Aura design")


def extract_lwc_config(refs: References, path: str, source: str) -> None:
    """Configuration of a Lightning web component: Apex classes that fill its properties."""
    _extract_datasources(refs, path, blank_comments(source, markup=True), "LWC configuration")


def extract_experience_view(refs: References, path: str, source: str) -> None:
    """A view or route of an Experience Builder site: the custom components it places and
    the objects whose record or list pages it routes to."""
    for match in _EXPERIENCE_OBJECT.finditer(source):
        line = _line(source, match.start())
        refs.add(object_key(match["name"]), path, line, f"Experience page shows {match['name']}")
    for match in _EXPERIENCE_COMPONENT.finditer(source):
        refs.add_all(
            component_refs(match["name"]),
            path,
            _line(source, match.start()),
            f"Experience page places {match['name']}",
        )


def _extract_datasources(refs: References, path: str, text: str, what: str) -> None:
    """``datasource="apex://Class"``: the class that lists a property's values."""
    for match in _APEX_DATASOURCE.finditer(text):
        refs.add(
            ComponentKey("ApexClass", namespaced(match["name"])),
            path,
            _line(text, match.start()),
            f"{what} takes values from apex://{match['name']}",
        )


def _aura_attribute_targets(tag: str, attribute: str, value: str) -> list[ComponentKey]:
    """What one attribute of an Aura tag names: a class, bundles, an object or a channel."""
    if attribute == "controller":
        return [ComponentKey("ApexClass", namespaced(value.strip()))]
    items = [item.strip() for item in value.split(",")]
    bundles = [ComponentKey("AuraDefinitionBundle", i[2:]) for i in items if i.startswith("c:")]
    sobject = value.strip().removesuffix("[]")
    if bundles or attribute != "type" or not sobject.lower().endswith("__c"):
        return bundles
    if tag == "lightning:messageChannel":
        return [ComponentKey("LightningMessageChannel", sobject[:-3])]
    return [object_key(sobject)]


def extract_aura_script(refs: References, path: str, source: str) -> None:
    """Aura JavaScript: labels, resources and components created by name."""
    text = blank_comments(source)
    for match in _AURA_JS_COMPONENT.finditer(text):
        refs.add_all(
            component_refs(f"c:{match['name']}"),
            path,
            _line(text, match.start()),
            f"Aura script uses c:{match['name']}",
        )
    _extract_globals(refs, path, text, "Aura")


def _extract_globals(refs: References, path: str, text: str, what: str) -> None:
    """``$Label.c.X`` and ``$Resource.X`` expressions."""
    for pattern, type_ in ((_GLOBAL_LABEL, "CustomLabel"), (_GLOBAL_RESOURCE, "StaticResource")):
        for match in pattern.finditer(text):
            refs.add(
                ComponentKey(type_, namespaced(match["name"])),
                path,
                _line(text, match.start()),
                f"{what} uses {match.group()}",
            )
