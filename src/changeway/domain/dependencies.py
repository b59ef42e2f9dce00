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
- A *candidate* reference (a name that may be a system class or a local variable, such as an
  Apex identifier) counts only when a component of that name exists somewhere (in the source
  or in the target); otherwise it is dropped.
- Any other reference must be satisfied, or it is reported as missing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Iterator
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
    return False


def parent_object(key: ComponentKey) -> ComponentKey | None:
    """The CustomObject that holds an object child (``CustomField:Foo__c.Bar__c``)."""
    if key.type in OBJECT_CHILD_TYPES and "." in key.name:
        return ComponentKey("CustomObject", key.name.split(".", 1)[0])
    return None


def _name_key(key: ComponentKey) -> _NameKey:
    return (key.type, key.name.lower())


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
    return _KeyIndex(keys)


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


class _KeyIndex:
    """Case-insensitive lookup of keys, returning their exact spelling."""

    def __init__(self, keys: Iterable[ComponentKey] = ()) -> None:
        self._keys: dict[_NameKey, ComponentKey] = {}
        self.update(keys)

    def update(self, keys: Iterable[ComponentKey]) -> None:
        for key in keys:
            self._keys.setdefault(_name_key(key), key)

    def get(self, key: ComponentKey) -> ComponentKey | None:
        return self._keys.get(_name_key(key))

    def __contains__(self, key: ComponentKey) -> bool:
        return _name_key(key) in self._keys

    def __iter__(self) -> Iterator[ComponentKey]:
        return iter(self._keys.values())


class DependencyGraph:
    """References between components, kept both ways and updatable one component at a time.

    Each component registers the references it makes and the keys it *provides*: itself,
    and the children it holds when they are not components of their own (the labels of a
    ``CustomLabels`` file, the fields of a Metadata API ``.object`` file).
    """

    def __init__(self) -> None:
        self._outgoing: dict[ComponentKey, tuple[Reference, ...]] = {}
        self._provides: dict[ComponentKey, frozenset[ComponentKey]] = {}
        self._providers: dict[_NameKey, set[ComponentKey]] = {}
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
            self._providers.setdefault(_name_key(provided), set()).add(key)
        for ref in refs:
            self._incoming.setdefault(_name_key(ref.target), set()).add(key)

    def remove(self, key: ComponentKey) -> None:
        """Forget a component, its references and what it provides."""
        for ref in self._outgoing.pop(key, ()):
            users = self._incoming.get(_name_key(ref.target))
            if users is not None:
                users.discard(key)
        for provided in self._provides.pop(key, frozenset()):
            holders = self._providers.get(_name_key(provided))
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self._providers[_name_key(provided)]

    # -- plain queries --------------------------------------------------------------------

    def __contains__(self, key: object) -> bool:
        return key in self._outgoing

    def __iter__(self) -> Iterator[ComponentKey]:
        return iter(sorted(self._outgoing))

    def __len__(self) -> int:
        return len(self._outgoing)

    def provided(self) -> set[ComponentKey]:
        """Every key that the graph's components provide: what exists on this side."""
        return {p for provided in self._provides.values() for p in provided}

    def provided_by(self, key: ComponentKey) -> frozenset[ComponentKey]:
        """What one component provides (itself and the children it holds)."""
        return self._provides.get(key, frozenset({key}))

    def references_from(self, key: ComponentKey) -> list[Reference]:
        """The references that ``key`` makes, resolved against the graph (implicit ones dropped)."""
        return list(self._resolved_from(key, _KeyIndex(self.provided())))

    def needs(self, key: ComponentKey, transitive: bool = True) -> set[ComponentKey]:
        """The components that ``key`` depends on, directly or (by default) transitively."""
        known = _KeyIndex(self.provided())
        found: set[ComponentKey] = set()
        queue = deque([key])
        while queue:
            for ref in self._resolved_from(queue.popleft(), known):
                if ref.target in found or ref.target == key:
                    continue
                found.add(ref.target)
                if transitive:
                    queue.extend(self._holders(ref.target))
        return found

    def used_by(self, key: ComponentKey) -> list[Reference]:
        """Where-used: the references that name ``key`` or a child it provides."""
        known = _KeyIndex(self.provided())
        targets = {_name_key(k) for k in self.provided_by(key)}
        users = set().union(*(self._incoming.get(t, set()) for t in targets))
        return sorted(
            ref
            for user in users
            for ref in self._resolved_from(user, known)
            if _name_key(ref.target) in targets and user != key
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
        deployed = set(keys_deployed)
        present = _KeyIndex()
        for key in deployed:
            present.update(self.provided_by(key))
        target = _Layers(present, lookup_of(available))
        anywhere = _Layers(target, _KeyIndex(self.provided()), lookup_of(elsewhere))
        return sorted(
            ref
            for key in deployed
            for ref in self._resolved_from(key, anywhere)
            if target.get(ref.target) is None
        )

    def closure_to_add(
        self,
        selected: Iterable[ComponentKey],
        available_in_source: Keys,
        present_in_target: Keys,
    ) -> list[tuple[ComponentKey, Reference]]:
        """What to add to ``selected`` so the target lacks nothing, each with why, transitively.

        A dependency is added when it exists in the source and not in the target; a
        dependency that exists in neither is left for ``missing`` to report.
        """
        source = lookup_of(available_in_source)
        target = lookup_of(present_in_target)
        known = _Layers(source, target)
        chosen = _KeyIndex(selected)
        added: list[tuple[ComponentKey, Reference]] = []
        queue = deque(selected)
        while queue:
            for ref in self._resolved_from(queue.popleft(), known):
                if ref.target in chosen or target.get(ref.target) or not source.get(ref.target):
                    continue
                chosen.update([ref.target])
                added.append((ref.target, ref))
                queue.extend(self._holders(ref.target))
        return added

    def dangling_after_delete(
        self, deleted: Iterable[ComponentKey], graph_of_target: DependencyGraph
    ) -> list[Reference]:
        """References that would point at nothing once ``deleted`` are removed from the target.

        This graph holds the components deployed with the deletion (their new references
        replace the target's); deleting a custom object deletes its children too.
        """
        removed = _KeyIndex()
        for key in deleted:
            removed.update(graph_of_target.provided_by(key))
            removed.update([key])
        target_known = graph_of_target.provided()
        removed.update(
            k for k in target_known if (parent := parent_object(k)) and parent in removed
        )
        known = _KeyIndex([*target_known, *self.provided()])
        dangling: list[Reference] = []
        for key in {*graph_of_target._outgoing, *self._outgoing}:
            if key in removed:
                continue
            graph = self if key in self._outgoing else graph_of_target
            dangling.extend(r for r in graph._resolved_from(key, known) if r.target in removed)
        return sorted(dangling)

    # -- internals ------------------------------------------------------------------------

    def _resolved_from(self, key: ComponentKey, known: KeyLookup) -> Iterator[Reference]:
        provided = self.provided_by(key)
        for ref in self._outgoing.get(key, ()):
            resolved = _resolve(ref, known)
            if resolved is not None and resolved.target not in provided:
                yield resolved

    def _holders(self, key: ComponentKey) -> set[ComponentKey]:
        """The components that provide ``key`` (itself, or the container holding it)."""
        return self._providers.get(_name_key(key), set())


def _resolve(ref: Reference, known: KeyLookup) -> Reference | None:
    """Apply the resolution rule: exact spelling; implicit and unknown candidates dropped."""
    if is_implicit(ref.target):
        return None
    exact = known.get(ref.target)
    if exact is None:
        return None if ref.candidate else ref
    return ref if exact == ref.target else replace(ref, target=exact)
