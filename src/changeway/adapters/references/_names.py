"""Salesforce naming rules that extractors share: objects, fields, relationships, bundles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import is_custom_object_name

# Objects that Salesforce creates beside each custom object; they depend on that object.
_COMPANION_SUFFIXES = ("__share", "__history", "__feed", "__changeevent", "__tag")

_KEBAB_PART = re.compile(r"-([a-z0-9])")


class InferredKey(ComponentKey):
    """A key guessed from a naming convention (``Parent__r`` -> ``Parent__c``), so a candidate.

    A relationship name usually, not always, is its lookup field's name with ``__r``, and
    ``record.Children__r`` may be a child relationship rather than a lookup.
    """


@dataclass(frozen=True, order=True)
class OneOf(ComponentKey):
    """A key that other keys satisfy as well: ``c:name`` is an Aura bundle or an LWC."""

    others: tuple[ComponentKey, ...] = ()


def object_key(name: str) -> ComponentKey:
    """The CustomObject a name designates (``Foo__Share`` is part of ``Foo__c``)."""
    lowered = name.lower()
    for suffix in _COMPANION_SUFFIXES:
        if lowered.endswith(suffix):
            return ComponentKey("CustomObject", name[: -len(suffix)] + "__c")
    return ComponentKey("CustomObject", name)


def field_key(obj: str, field: str) -> ComponentKey:
    """The CustomField ``obj.field``."""
    return ComponentKey("CustomField", f"{object_key(obj).name}.{field}")


def is_relationship(name: str) -> bool:
    """True for a custom relationship name (``Parent__r``)."""
    return name.lower().endswith("__r")


def lookup_field_of(relationship: str) -> str:
    """The lookup field behind a custom relationship (``Parent__r`` -> ``Parent__c``)."""
    return relationship[:-3] + "__c"


def is_customizable(name: str) -> bool:
    """True for names that can only be custom (objects and fields with a custom suffix)."""
    return is_custom_object_name(name) or is_relationship(name)


def field_path_keys(path: str, obj: str | None, *, qualified: bool) -> list[ComponentKey]:
    """Fields named by a dotted path.

    ``qualified`` paths start with the object (``Obj__c.Field__c``, as in criteria items);
    otherwise the path is relative to ``obj`` (``Field__c``, ``Parent__r.Field__c``).
    Beyond the first relationship the object is unknown, so only the lookup field counts.
    """
    parts = [p for p in path.strip().split(".") if p]
    if qualified and len(parts) >= 2 and not is_relationship(parts[0]):
        obj, parts = parts[0], parts[1:]
    if not parts or obj is None:
        return []
    if len(parts) == 1:
        return [field_key(obj, parts[0])]
    if is_relationship(parts[0]):
        guess = field_key(obj, lookup_field_of(parts[0]))
        return [InferredKey(guess.type, guess.name)]
    return []


def namespaced(name: str) -> str:
    """A full name as written with a namespace (``ns.Name``) -> ``ns__Name``; ``c`` is the
    org's own namespace (``c.Name`` -> ``Name``)."""
    namespace, dot, rest = name.partition(".")
    if not dot:
        return name
    return rest if namespace == "c" else f"{namespace}__{rest}"


def kebab_to_camel(name: str) -> str:
    """``foo-bar-baz`` -> ``fooBarBaz``, the LWC rule for custom element names."""
    return _KEBAB_PART.sub(lambda m: m.group(1).upper(), name)


def component_refs(text: str) -> list[ComponentKey]:
    """The bundle ``c:fooBar`` names: an Aura bundle or a Lightning web component.

    Other namespaces are Salesforce's own (``lightning:``, ``force:``...) or a managed
    package's, which markup does not tell apart: they name nothing here.
    """
    namespace, sep, name = text.strip().partition(":")
    if not sep or namespace != "c" or not name:
        return []
    lwc = ComponentKey("LightningComponentBundle", name)
    return [OneOf("AuraDefinitionBundle", name, (lwc,))]
