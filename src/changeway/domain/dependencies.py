"""Dependencies between components: references, and the graph that answers questions about them.

Extractors (in the references adapter) read component files and emit ``Reference`` values.
The graph resolves them against the components that exist and answers "what does this need",
"who uses this", "what is missing after a deployment", "what should a change set add" and
"what breaks if these are deleted".

Resolution rule (see docs/adr/0005-dependency-analysis.md):

- Names are matched case-insensitively, as Salesforce does; a resolved reference is rewritten
  to the exact spelling of the component that provides the name.
- A reference to a *standard* thing is never a dependency (``is_implicit``): standard objects
  and fields (names without a custom suffix), standard tabs.
- A reference is satisfied by any of its *options* (``options``): its target, the alternatives
  the extractor names (``c:name`` is an Aura bundle or a Lightning web component), what
  Salesforce treats as the same (a custom field of ``Activity`` is a field of ``Task`` and
  ``Event``), and for a namespaced name the unprefixed component (in the namespace's own org).
- A *candidate* reference (a name that may be a system class or a local variable, such as an
  Apex identifier) counts only when a component of that name exists somewhere (in the source
  or in the target); otherwise it is dropped.
- Any other reference must be satisfied, or it is reported as missing; a namespaced target
  that exists nowhere belongs to a managed package (``namespace_of``), reported as such.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from changeway.domain.components import ComponentKey

# Suffixes that mark a customizable object name (custom objects, custom metadata types,
# platform events, big objects, external objects, knowledge article types).
CUSTOM_OBJECT_SUFFIXES = ("__c", "__mdt", "__e", "__b", "__x", "__kav")

# Component types whose full name is ``Object.Child`` and that live inside a CustomObject.
OBJECT_CHILD_TYPES = frozenset(
    {
        "BusinessProcess",
        "CompactLayout",
        "CustomField",
        "FieldSet",
        "Index",
        "ListView",
        "RecordType",
        "SharingReason",
        "ValidationRule",
        "WebLink",
    }
)

# Custom fields created on Activity are fields of both Task and Event (Salesforce's rule).
_ACTIVITY_OBJECTS = frozenset({"task", "event"})

# Namespaces that Salesforce itself provides components in (labels of Sites, ``$Label.site.X``).
_STANDARD_NAMESPACES = {"CustomLabel": frozenset({"site"})}

# A namespace prefix: up to 15 letters and digits, then two underscores.
_NAMESPACED = re.compile(r"(?P<ns>[A-Za-z][A-Za-z0-9]{0,14})__(?P<rest>[A-Za-z].*)")

_NameKey = tuple[str, str]


@dataclass(frozen=True, order=True)
class Reference:
    """One component naming another, with where it does so and why it matters."""

    source: ComponentKey
    target: ComponentKey
    path: str
    line: int | None
    reason: str
    # True when the target may be a system name or a local variable (an Apex identifier):
    # such a reference counts only when a component of that name exists somewhere.
    candidate: bool = False
    # Other keys that satisfy the reference as well as the target (``c:name`` may be an
    # Aura bundle or a Lightning web component); the target is what a report names.
    alternatives: tuple[ComponentKey, ...] = ()

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{self.source} -> {self.target} ({self.reason}; {where})"


def is_custom_object_name(name: str) -> bool:
    """True for customizable object names (``Foo__c``, ``Bar__mdt``, ``ns__Evt__e``...)."""
    return name.lower().endswith(CUSTOM_OBJECT_SUFFIXES)


def is_implicit(target: ComponentKey) -> bool:
    """True when the target is standard, present in every org, so never a dependency."""
    if target.type == "CustomObject":
        return not is_custom_object_name(target.name)
    if target.type == "CustomField":
        return not target.name.lower().endswith("__c")
    if target.type == "CustomTab":
        return target.name.startswith("standard-")
    if target.type in _STANDARD_NAMESPACES:
        namespace = namespace_of(target)
        return namespace is not None and namespace.lower() in _STANDARD_NAMESPACES[target.type]
    return False


def parent_object(key: ComponentKey) -> ComponentKey | None:
    """The CustomObject that holds an object child (``CustomField:Foo__c.Bar__c``)."""
    if key.type in OBJECT_CHILD_TYPES and "." in key.name:
        return ComponentKey("CustomObject", key.name.split(".", 1)[0])
    return None


def _own_segment(key: ComponentKey) -> tuple[str, str, str]:
    """The part of a full name that is the component's own name: (before, own, after).

    ``Obj__c.Field__c`` -> the field; a custom metadata record ``Type.Record`` -> the type.
    """
    if key.type == "CustomMetadata":
        own, dot, rest = key.name.partition(".")
        return "", own, dot + rest
    before, dot, own = key.name.rpartition(".")
    return before + dot, own, ""


def _split_namespace(key: ComponentKey) -> tuple[str, ComponentKey] | None:
    """(namespace, key without it) when the key's own name carries a namespace prefix."""
    before, own, after = _own_segment(key)
    match = _NAMESPACED.fullmatch(own)
    if match is None:
        return None
    rest = match["rest"]
    # Schema names keep their own suffix after the prefix: ns__Name__c, never ns__c.
    suffixed = key.type in {"CustomObject", "CustomField"}
    if suffixed != ("__" in rest):
        return None
    return match["ns"], ComponentKey(key.type, before + rest + after)


def namespace_of(key: ComponentKey) -> str | None:
    """The namespace of a managed package's component (``ns__Obj__c``, ``ns__Label``)."""
    split = _split_namespace(key)
    return split[0] if split else None


def options(ref: Reference) -> tuple[ComponentKey, ...]:
    """Every key whose existence satisfies ``ref`` (see the resolution rule), target first."""
    found = [ref.target, *ref.alternatives]
    for key in list(found):
        if key.type == "CustomField" and "." in key.name:
            obj, _, field = key.name.partition(".")
            if obj.lower() in _ACTIVITY_OBJECTS:
                found.append(ComponentKey("CustomField", f"Activity.{field}"))
    for key in list(found):
        split = _split_namespace(key)
        if split is not None:
            found.append(split[1])
    return tuple(found)


def folded(key: ComponentKey) -> _NameKey:
    """A key as Salesforce compares it: names are case-insensitive."""
    return (key.type, key.name.lower())


def names_of(references: Iterable[Reference]) -> set[_NameKey]:
    """Every name that ``references`` may resolve to (each option, folded): where a
    where-used index files them."""
    return {folded(option) for ref in references for option in options(ref)}


@runtime_checkable
class KeyLookup(Protocol):
    """Which keys exist somewhere (an org version, a change set), matched case-insensitively."""

    def get(self, key: ComponentKey) -> ComponentKey | None:
        """The key as it is spelled where it exists, or None."""
        ...


Keys = Collection[ComponentKey] | KeyLookup


def lookup_of(keys: Keys) -> KeyLookup:
    """A lookup over ``keys``: an explicit collection is indexed, a lookup is used as is."""
    if isinstance(keys, KeyLookup):
        return keys
    return KeyIndex(keys)


def either(*keys: Keys) -> KeyLookup:
    """A lookup that finds a key if any of ``keys`` has it (the first one answers)."""
    return _Layers(*(lookup_of(k) for k in keys))


class _Layers:
    """Several lookups seen as one: the first that knows a key answers."""

    def __init__(self, *layers: KeyLookup) -> None:
        self._layers = layers

    def get(self, key: ComponentKey) -> ComponentKey | None:
        for layer in self._layers:
            found = layer.get(key)
            if found is not None:
                return found
        return None


class Without:
    """A lookup that forgets some keys (what a change set deletes from its target)."""

    def __init__(self, keys: KeyLookup, gone: Iterable[ComponentKey]) -> None:
        self._keys = keys
        self._gone = {folded(k) for k in gone}

    def get(self, key: ComponentKey) -> ComponentKey | None:
        return None if folded(key) in self._gone else self._keys.get(key)


class KeyIndex:
    """Case-insensitive lookup of keys, returning their exact spelling."""

    def __init__(self, keys: Iterable[ComponentKey] = ()) -> None:
        self._keys: dict[_NameKey, ComponentKey] = {}
        self.update(keys)

    def update(self, keys: Iterable[ComponentKey]) -> None:
        for key in keys:
            self._keys.setdefault(folded(key), key)

    def get(self, key: ComponentKey) -> ComponentKey | None:
        return self._keys.get(folded(key))

    def __contains__(self, key: ComponentKey) -> bool:
        return folded(key) in self._keys

    def __iter__(self) -> Iterator[ComponentKey]:
        return iter(self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True)
class Unsatisfied:
    """The references a set of components leaves unsatisfied, in two classes."""

    missing: list[Reference]
    # Namespace -> references to components of a managed package that exists nowhere here.
    packages: dict[str, list[Reference]]

    def without_packages(self, installed: Collection[str]) -> Unsatisfied:
        """What remains when the target has the managed packages ``installed`` (namespaces)."""
        have = {ns.lower() for ns in installed}
        kept = {ns: refs for ns, refs in self.packages.items() if ns.lower() not in have}
        return Unsatisfied(self.missing, kept)

    def all(self) -> list[Reference]:
        """Every unsatisfied reference, missing components and managed packages alike."""
        return sorted([*self.missing, *(r for refs in self.packages.values() for r in refs)])


class DependencyGraph:
    """References between components, kept both ways and updatable one component at a time.

    Each component registers the references it makes and the keys it *provides*: itself,
    and the children it holds when they are not components of their own (the labels of a
    ``CustomLabels`` file, the fields of a Metadata API ``.object`` file). Every query reads
    indexes kept up to date by ``replace`` and ``remove``, so its cost follows what it asks.
    """

    def __init__(self) -> None:
        self._outgoing: dict[ComponentKey, tuple[Reference, ...]] = {}
        self._provides: dict[ComponentKey, frozenset[ComponentKey]] = {}
        # Name -> the components providing it -> how each spells it.
        self._providers: dict[_NameKey, dict[ComponentKey, ComponentKey]] = {}
        # Name (of any option of a reference) -> the components whose references name it.
        self._incoming: dict[_NameKey, set[ComponentKey]] = {}

    @classmethod
    def from_references(
        cls,
        references: Iterable[Reference],
        components: Iterable[ComponentKey] = (),
        provides: dict[ComponentKey, Collection[ComponentKey]] | None = None,
    ) -> DependencyGraph:
        """Build a graph of ``components`` (plus every reference source) and their references."""
        by_source: dict[ComponentKey, list[Reference]] = {key: [] for key in components}
        for reference in references:
            by_source.setdefault(reference.source, []).append(reference)
        for key in provides or {}:
            by_source.setdefault(key, [])
        graph = cls()
        for key, refs in by_source.items():
            graph.replace(key, refs, provides=(provides or {}).get(key, ()))
        return graph

    # -- updates --------------------------------------------------------------------------

    def replace(
        self,
        key: ComponentKey,
        references: Iterable[Reference],
        provides: Collection[ComponentKey] = (),
    ) -> None:
        """Set (or reset) what ``key`` references and provides, as after re-analysing it."""
        self.remove(key)
        refs = tuple(sorted(set(references)))
        self._outgoing[key] = refs
        self._provides[key] = frozenset({key, *provides})
        for provided in self._provides[key]:
            self._providers.setdefault(folded(provided), {})[key] = provided
        for name in names_of(refs):
            self._incoming.setdefault(name, set()).add(key)

    def remove(self, key: ComponentKey) -> None:
        """Forget a component, its references and what it provides."""
        for ref in self._outgoing.pop(key, ()):
            for option in options(ref):
                users = self._incoming.get(folded(option))
                if users is not None:
                    users.discard(key)
        for provided in self._provides.pop(key, frozenset()):
            holders = self._providers.get(folded(provided))
            if holders is not None:
                holders.pop(key, None)
                if not holders:
                    del self._providers[folded(provided)]

    # -- plain queries --------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._outgoing

    def __iter__(self) -> Iterator[ComponentKey]:
        return iter(sorted(self._outgoing))

    def __len__(self) -> int:
        return len(self._outgoing)

    def get(self, key: ComponentKey) -> ComponentKey | None:
        """A key the graph's components provide, as they spell it (a ``KeyLookup``)."""
        holders = self._providers.get(folded(key))
        return next(iter(holders.values())) if holders else None

    def provided_by(self, key: ComponentKey) -> frozenset[ComponentKey]:
        """What one component provides (itself and the children it holds)."""
        return self._provides.get(key, frozenset({key}))

    def named_by(self, keys: Iterable[ComponentKey]) -> set[ComponentKey]:
        """Every key that the references of ``keys`` may resolve to (each option)."""
        return {
            option for key in keys for ref in self._outgoing.get(key, ()) for option in options(ref)
        }

    def references_from(self, key: ComponentKey) -> list[Reference]:
        """The references that ``key`` makes, resolved against the graph (implicit ones dropped)."""
        return list(self._resolved_from(key, self))

    def needs(self, key: ComponentKey, transitive: bool = True) -> set[ComponentKey]:
        """The components that ``key`` depends on, directly or (by default) transitively."""
        found: set[ComponentKey] = set()
        queue = [key]
        while queue:
            for ref in self._resolved_from(queue.pop(), self):
                if ref.target in found or ref.target == key:
                    continue
                found.add(ref.target)
                if transitive:
                    queue.extend(self._holders(ref.target))
        return found

    def used_by(self, key: ComponentKey, known: KeyLookup | None = None) -> list[Reference]:
        """Where-used: the references that name ``key`` or a child it provides.

        ``known`` says which keys exist beyond the graph (the org holding it), so that
        a graph of only the users of ``key`` resolves their references as the whole org would.
        """
        lookup: KeyLookup = _Layers(self, known) if known is not None else self
        targets = {folded(k) for k in self.provided_by(key)}
        users = set().union(*(self._incoming.get(t, set()) for t in targets))
        return sorted(
            ref
            for user in users
            for ref in self._resolved_from(user, lookup)
            if folded(ref.target) in targets and user != key
        )

    # -- change set and deployment questions ----------------------------------------------

    def missing(
        self,
        keys_deployed: Iterable[ComponentKey],
        available: Keys,
        elsewhere: Keys = (),
    ) -> list[Reference]:
        """References from deployed components to targets neither deployed nor available.

        ``available`` holds the keys present in the target org (expand containers with what
        they provide, for example the labels of ``CustomLabels``); ``elsewhere`` the keys that
        exist in the source, which make candidate references count.
        """
        return self.unsatisfied(keys_deployed, available, elsewhere).all()

    def unsatisfied(
        self,
        keys_deployed: Iterable[ComponentKey],
        available: Keys,
        elsewhere: Keys = (),
    ) -> Unsatisfied:
        """Like ``missing``, with references into managed packages set apart by namespace.

        A target that exists nowhere is named once, in one spelling (the one most references
        use), however its users spell it.
        """
        deployed = set(keys_deployed)
        present = KeyIndex()
        for key in deployed:
            present.update(self.provided_by(key))
        target = _Layers(present, lookup_of(available))
        anywhere = _Layers(self, lookup_of(elsewhere))
        broken: list[Reference] = []
        for key in deployed:
            provided = self.provided_by(key)
            for ref in self._outgoing.get(key, ()):
                if is_implicit(ref.target) or _find(ref, target) is not None:
                    continue
                exact = _find(ref, anywhere)
                if exact is None and ref.candidate:
                    continue
                resolved = _with_target(ref, exact) if exact else ref
                if resolved.target not in provided:
                    broken.append(resolved)
        return _classified(_one_spelling(broken))

    def complete(
        self,
        selected: Iterable[ComponentKey],
        *,
        target: Keys,
        source: Keys,
        holder: Callable[[ComponentKey], ComponentKey | None],
        load: Callable[[Collection[ComponentKey]], None],
    ) -> tuple[list[tuple[ComponentKey, Reference]], Unsatisfied]:
        """What to add to ``selected`` so the target lacks nothing, each with why, transitively.

        The check is ``unsatisfied`` itself (as in a validation): each reference it reports
        whose target the source has brings the component that holds it there (``holder``:
        the target itself, or its container), once; ``load`` puts the analyses of components
        to add into this graph before their own needs are checked. Returns what to add and
        what stays unsatisfied (it exists nowhere the source could supply it from).
        """
        have = set(selected)
        source_keys = lookup_of(source)
        brought = KeyIndex()
        added: list[tuple[ComponentKey, Reference]] = []
        frontier = set(have)
        while frontier:
            for key in frontier:
                brought.update(self.provided_by(key))
            found = self.unsatisfied(frontier, either(brought, target), source_keys)
            new: dict[ComponentKey, Reference] = {}
            for ref in found.all():
                if source_keys.get(ref.target) is None:
                    continue
                container = holder(ref.target)
                if container is not None and container not in have and container not in new:
                    new[container] = ref
            load(list(new))
            added.extend(sorted(new.items()))
            have.update(new)
            frontier = set(new)
        return added, self.unsatisfied(have, target, source_keys)

    def dangling_after_delete(
        self,
        deleted: Iterable[ComponentKey],
        graph_of_target: DependencyGraph,
        known: KeyLookup | None = None,
    ) -> list[Reference]:
        """References that would point at nothing once ``deleted`` are removed from the target.

        This graph holds the components deployed with the deletion (their new references
        replace the target's); ``graph_of_target`` holds the target's components, or at least
        the deleted ones, their children and every user of them; ``known`` says which keys
        exist in the target beyond that graph, so its users resolve as in the whole org.
        Deleting a custom object deletes its children too.
        """
        removed = KeyIndex()
        for key in deleted:
            removed.update(graph_of_target.provided_by(key))
            removed.update([key])
        removed.update(
            provided
            for holder, provides in graph_of_target._provides.items()
            if (parent := parent_object(holder)) and parent in removed
            for provided in provides
        )
        lookup = _Layers(graph_of_target, self, *([known] if known is not None else []))
        dangling: list[Reference] = []
        for key in {*graph_of_target._outgoing, *self._outgoing}:
            if key in removed:
                continue
            graph = self if key in self._outgoing else graph_of_target
            dangling.extend(r for r in graph._resolved_from(key, lookup) if r.target in removed)
        return sorted(dangling)

    # -- internals ------------------------------------------------------------------------

    def _resolved_from(self, key: ComponentKey, known: KeyLookup) -> Iterator[Reference]:
        provided = self.provided_by(key)
        for ref in self._outgoing.get(key, ()):
            resolved = _resolve(ref, known)
            if resolved is not None and resolved.target not in provided:
                yield resolved

    def _holders(self, key: ComponentKey) -> Collection[ComponentKey]:
        """The components that provide ``key`` (itself, or the container holding it)."""
        return self._providers.get(folded(key), {}).keys()


def _find(ref: Reference, known: KeyLookup) -> ComponentKey | None:
    """The first option of ``ref`` that ``known`` has, as it spells it."""
    for option in options(ref):
        exact = known.get(option)
        if exact is not None:
            return exact
    return None


def _with_target(ref: Reference, exact: ComponentKey) -> Reference:
    """``ref`` resolved to the key ``exact`` (its alternatives are settled)."""
    if exact == ref.target and not ref.alternatives:
        return ref
    return replace(ref, target=exact, alternatives=())


def _resolve(ref: Reference, known: KeyLookup) -> Reference | None:
    """Apply the resolution rule: exact spelling; implicit and unknown candidates dropped."""
    if is_implicit(ref.target):
        return None
    exact = _find(ref, known)
    if exact is None:
        return None if ref.candidate else ref
    return _with_target(ref, exact)


def _one_spelling(refs: list[Reference]) -> list[Reference]:
    """Unresolved references naming one target in several spellings, rewritten to one."""
    spellings: dict[_NameKey, Counter[ComponentKey]] = {}
    for ref in refs:
        spellings.setdefault(folded(ref.target), Counter())[ref.target] += 1
    chosen = {
        name: min(counts, key=lambda k: (-counts[k], k)) for name, counts in spellings.items()
    }
    return sorted({_with_target(ref, chosen[folded(ref.target)]) for ref in refs})


def _classified(refs: list[Reference]) -> Unsatisfied:
    """Split references into missing components and needs of managed packages."""
    missing: list[Reference] = []
    packages: dict[str, list[Reference]] = {}
    for ref in refs:
        namespace = namespace_of(ref.target)
        if namespace is None:
            missing.append(ref)
        else:
            packages.setdefault(namespace, []).append(ref)
    return Unsatisfied(missing, packages)
