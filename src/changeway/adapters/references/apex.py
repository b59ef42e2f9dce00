"""References in Apex classes and triggers: classes, sObjects and fields they name.

A small tokenizer skips comments and string literals and tracks line numbers. Apex is
case-insensitive, and its identifiers cannot contain ``__``, so any name with a custom suffix
is a schema name. Variables are resolved by scope (class fields, parameters, locals, loop
variables), so ``record.Field__c`` names a field of the type ``record`` has where it is used;
when that type cannot be known here (an inherited field), nothing is guessed. Other
identifiers may be classes or system names: they become candidate references, which count
only when a class of that name exists.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from changeway.adapters.references._collect import References
from changeway.adapters.references._names import (
    field_key,
    field_path_keys,
    is_customizable,
    is_relationship,
    object_key,
)
from changeway.domain.components import ComponentKey
from changeway.domain.dependencies import is_custom_object_name

# Comments (group 1) and string literals, blanked before the rest is split into tokens.
_HIDDEN = re.compile(r"(//[^\n]*|/\*.*?(?:\*/|\Z))|'(?:\\.|[^'\\\n])*'?", re.DOTALL)
# Within one line: a number (dropped: its group is empty), ``''`` (a blanked string literal),
# an identifier or one punctuation mark.
_TOKEN = re.compile(r"[0-9][0-9A-Za-z_.]*|(''|[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z0-9_])")
_NAME_START = frozenset(string.ascii_letters + "_")

# Words that are never class names; keeping them out avoids needless candidates.
# fmt: off
_KEYWORDS = frozenset({
    "abstract", "after", "and", "as", "asc", "before", "break", "by", "catch", "class",
    "continue", "delete", "desc", "do", "else", "enum", "extends", "false", "final", "finally",
    "for", "from", "global", "if", "implements", "in", "insert", "instanceof", "interface",
    "limit", "merge", "new", "not", "null", "nulls", "offset", "on", "or", "order", "override",
    "private", "protected", "public", "return", "select", "static", "super", "testmethod",
    "this", "throw", "transient", "trigger", "true", "try", "undelete", "update", "upsert",
    "virtual", "void", "webservice", "where", "while", "with", "without", "sharing",
    "inherited", "find", "returning", "first", "last", "having", "group", "includes",
    "excludes", "like", "typeof", "when", "end", "then", "using", "scope",
})
# fmt: on

_COLLECTIONS = frozenset({"list", "set", "iterable", "iterator"})
_GENERIC_TYPES = _COLLECTIONS | {"map"}
_TYPE_KEYWORDS = frozenset({"class", "interface", "enum"})
_DECLARATION_ENDS = frozenset({"=", ";", ",", ")", ":", "{"})
_HEADER_ENDS = frozenset({"{", "}", ";"})
_BLOCK_MARKS = _HEADER_ENDS | _TYPE_KEYWORDS


@dataclass(frozen=True)
class Tokens:
    """Identifiers and punctuation of Apex source as parallel lists (text, lowercased text,
    1-based line, whether an identifier): scans index plain lists, which keeps them fast."""

    text: list[str]
    lower: list[str]
    line: list[int]
    ident: list[bool]

    def __len__(self) -> int:
        return len(self.text)


def _blank(match: re.Match[str]) -> str:
    """A comment becomes a space, a string literal ``''``; both keep their line breaks."""
    breaks = "\n" * match.group().count("\n")
    return (" " if match.group(1) is not None else "''") + breaks


def tokenize(source: str) -> Tokens:
    """Identifiers and punctuation of Apex source; comments, strings and numbers dropped
    (a string literal stays as the mark ``''``)."""
    text: list[str] = []
    line: list[int] = []
    for number, code in enumerate(_HIDDEN.sub(_blank, source).split("\n"), 1):
        found = [t for t in _TOKEN.findall(code) if t]
        if found:
            text += found
            line += [number] * len(found)
    lower = [t.lower() for t in text]
    return Tokens(text, lower, line, [t[0] in _NAME_START for t in text])


def extract_apex(refs: References, path: str, source: str) -> None:
    """Record what one Apex file names: SOQL objects and fields, sObjects, fields, classes."""
    tokens = tokenize(source)
    handled = _extract_queries(refs, path, tokens)
    scopes = Scopes.of(tokens, skip=handled)
    handled |= _extract_constructor_fields(refs, path, tokens)
    handled |= _extract_upsert_keys(refs, path, tokens, scopes)
    _extract_trigger_object(refs, path, tokens)
    line = tokens.line
    # Chains whose references do not depend on where they stand: repeats add nothing.
    anywhere: set[tuple[tuple[str, ...], bool]] = set()
    for start, names, called in _chains(tokens):
        if start in handled:
            continue
        chain = (tuple(names), called)
        if chain in anywhere:
            continue
        as_type = _type_position(tokens, start, len(names), scopes.declarations)
        if _extract_chain(refs, path, names, line[start], called, scopes, start, as_type=as_type):
            anywhere.add(chain)


def _type_position(tokens: Tokens, i: int, length: int, declarations: Collection[int]) -> bool:
    """Whether the chain of ``length`` names at ``i`` can only be a type, whatever variables
    share its name: after ``new``, as a collection's type argument (``List<X>``), as an array
    (``X[]``) or as the type of a declaration (``X x =``, ``for (X x : ...)``), which
    ``declarations`` holds the indexes of."""
    text, lower = tokens.text, tokens.lower
    before = lower[i - 1] if i > 0 else ""
    generic = before == "<" and i > 1 and lower[i - 2] in _GENERIC_TYPES
    end = i + 2 * length - 1
    array = end + 1 < len(text) and text[end] == "[" and text[end + 1] == "]"
    return before == "new" or generic or array or i in declarations


@dataclass
class _Block:
    """One ``{...}`` block: a class body, or code (a method body, a loop, an accessor...)."""

    start: int
    end: int
    parent: int | None
    is_class: bool
    # Visible in the whole block: fields of a class body, parameters of a method or catch.
    members: dict[str, set[str]] = field(default_factory=dict)
    # Visible from their declaration to the end of the block: local variables.
    locals: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


class Scopes:
    """Where each Apex variable is visible and with which type, from the file's blocks.

    Class fields and parameters are visible in their whole block (fields even before their
    declaration), locals from their declaration to the end of their block, a loop variable in
    its loop. Names resolve from the innermost block outwards, as the compiler does.
    """

    def __init__(self, tokens: Tokens) -> None:
        self._blocks: list[_Block] = [_Block(-1, len(tokens), None, False)]
        self._owner: list[int] = []
        # Loop variables of brace-less ``for`` statements: (first index, last index, name, type).
        self._loops: list[tuple[int, int, str, str]] = []
        self._declared: set[str] = set()
        self.own_types: set[str] = set()
        # Indexes where a declaration's type starts (``X x =``).
        self.declarations: set[int] = set()

    @classmethod
    def of(cls, tokens: Tokens, skip: Collection[int] = ()) -> Scopes:
        """The scopes of a tokenized file; ``skip`` holds indexes of SOQL, which declares none."""
        scopes = cls(tokens)
        opens = scopes._blocks_and_owners(tokens)
        closing = _closing_parens(tokens)
        text, ident = tokens.text, tokens.ident
        # A declaration's type is a name followed by a name, ``.``, ``<`` or ``[``.
        starts = [
            i
            for i in range(len(text) - 1)
            if ident[i] and (ident[i + 1] or text[i + 1] in {".", "<", "["})
        ]
        for i in starts:
            if i in skip:
                continue
            declared = _declaration_at(tokens, i)
            if declared:
                scopes.declarations.add(i)
                scopes._declare(tokens, i, *declared, opens=opens, closing=closing)
        return scopes

    def _blocks_and_owners(self, tokens: Tokens) -> dict[int, int]:
        """Build the block tree; returns ``{`` index -> block. Also notes inner type names."""
        blocks, owner, lower, ident = self._blocks, self._owner, tokens.lower, tokens.ident
        size = len(tokens)
        stack = [0]
        opens: dict[int, int] = {}
        typed = False  # a type keyword since the last brace or semicolon: a type's header
        done = 0  # tokens before this index have their block in ``owner``
        for i in [i for i, text in enumerate(lower) if text in _BLOCK_MARKS]:
            text = lower[i]
            if text == "{":
                owner.extend([stack[-1]] * (i - done))
                blocks.append(_Block(i, size, stack[-1], typed))
                opens[i] = len(blocks) - 1
                stack.append(len(blocks) - 1)
                owner.append(stack[-1])
                done = i + 1
            elif text == "}":
                owner.extend([stack[-1]] * (i + 1 - done))
                done = i + 1
                if len(stack) > 1:
                    blocks[stack.pop()].end = i
            if text in _HEADER_ENDS:
                typed = False
            else:
                typed = True
                if i + 1 < size and ident[i + 1]:
                    self.own_types.add(lower[i + 1])
        owner.extend([stack[-1]] * (size - done))
        return opens

    def _declare(
        self,
        tokens: Tokens,
        i: int,
        name: str,
        type_: str,
        *,
        opens: dict[int, int],
        closing: dict[int, int],
    ) -> None:
        """Record a declaration where it is visible (see the class docstring)."""
        lowered = name.lower()
        self._declared.add(lowered)
        paren = _enclosing_paren(tokens, i, self._blocks[self._owner[i]].start)
        if paren is not None:
            close = closing.get(paren, len(tokens) - 1)
            body = opens.get(close + 1)
            if body is not None:  # parameters of a method or a catch, a braced loop's variable
                self._blocks[body].members.setdefault(lowered, set()).add(type_)
            elif paren > 0 and tokens.lower[paren - 1] == "for":
                self._loops.append((close, _statement_end(tokens, close), lowered, type_))
            return
        block = self._blocks[self._owner[i]]
        if block.is_class:
            block.members.setdefault(lowered, set()).add(type_)
        else:
            block.locals.setdefault(lowered, []).append((i, type_))

    def types_at(self, name: str, at: int) -> set[str] | None:
        """The types ``name`` has where it is used at index ``at``: empty when it is declared
        in the file but not visible there (it cannot be known), None when never declared."""
        lowered = name.lower()
        if lowered not in self._declared:
            return None
        for first, last, loop_name, type_ in self._loops:
            if loop_name == lowered and first < at <= last:
                return {type_}
        block: int | None = self._owner[at] if at < len(self._owner) else 0
        while block is not None:
            scope = self._blocks[block]
            if lowered in scope.members:
                return scope.members[lowered]
            earlier = [t for position, t in scope.locals.get(lowered, ()) if position < at]
            if earlier:
                return {earlier[-1]}
            block = scope.parent
        return set() if lowered in self._declared else None

    def declares(self, lowered: str) -> bool:
        """Whether the file declares a variable of this (lowercase) name anywhere."""
        return lowered in self._declared

    def field_types(self, name: str, at: int) -> set[str] | None:
        """The types of a field of the class around index ``at`` (``this.name``)."""
        block: int | None = self._owner[at] if at < len(self._owner) else 0
        while block is not None and not self._blocks[block].is_class:
            block = self._blocks[block].parent
        if block is None:
            return None
        return self._blocks[block].members.get(name.lower(), set())


def _closing_parens(tokens: Tokens) -> dict[int, int]:
    """Index of each ``(`` -> index of its ``)``."""
    stack: list[int] = []
    closing: dict[int, int] = {}
    for i, text in enumerate(tokens.text):
        if text == "(":
            stack.append(i)
        elif text == ")" and stack:
            closing[stack.pop()] = i
    return closing


def _enclosing_paren(tokens: Tokens, i: int, block_start: int) -> int | None:
    """The ``(`` that directly encloses index ``i`` within its block, if any."""
    depth = 0
    texts = tokens.text
    for j in range(i - 1, block_start, -1):
        text = texts[j]
        if text == ")":
            depth += 1
        elif text == "(":
            if depth == 0:
                return j
            depth -= 1
        elif text in _HEADER_ENDS:
            return None
    return None


def _statement_end(tokens: Tokens, start: int) -> int:
    """The index of the ``;`` ending the statement after ``start`` (brackets balanced)."""
    depth = 0
    texts = tokens.text
    for j in range(start + 1, len(texts)):
        text = texts[j]
        depth += (text in {"(", "{", "["}) - (text in {")", "}", "]"})
        if depth <= 0 and text in {";", "}"}:
            return j
    return len(texts) - 1


def _declaration_at(tokens: Tokens, i: int) -> tuple[str, str] | None:
    """``Type name =`` / ``List<Type> name;`` / ``Type[] name)``: (variable, element type)."""
    text, lower, ident = tokens.text, tokens.lower, tokens.ident
    if not ident[i] or lower[i] in _KEYWORDS:
        return None
    if i > 0 and text[i - 1] == ".":
        return None
    size = len(text)
    type_name, j = text[i], i + 1
    while j + 1 < size and text[j] == "." and ident[j + 1]:
        type_name, j = text[j + 1], j + 2
    element = type_name
    if j < size and text[j] == "<":
        args, j = _generic_args(tokens, j)
        if not args:
            return None
        if type_name.lower() in _GENERIC_TYPES:
            element = args[-1]
    while j + 1 < size and text[j] == "[" and text[j + 1] == "]":
        j += 2
    if j + 1 >= size or not ident[j] or lower[j] in _KEYWORDS:
        return None
    if text[j + 1] not in _DECLARATION_ENDS:
        return None
    return text[j], element


def _generic_args(tokens: Tokens, j: int) -> tuple[list[str], int]:
    """Top-level type arguments of ``<...>`` starting at ``j``, and the index after ``>``."""
    texts, ident = tokens.text, tokens.ident
    depth, args = 0, list[str]()
    while j < len(texts):
        text = texts[j]
        if text == "<":
            depth += 1
        elif text == ">":
            depth -= 1
            if depth == 0:
                return args, j + 1
        elif depth == 1 and ident[j] and texts[j - 1] in {"<", ",", "."}:
            if texts[j - 1] == "." and args:
                args[-1] = text
            else:
                args.append(text)
        elif not ident[j] and text not in {",", ".", "[", "]"}:
            return [], j
        j += 1
    return [], j


def _chains(tokens: Tokens) -> Iterator[tuple[int, list[str], bool]]:
    """Dotted name chains (``a.b.c``) not preceded by a dot: start index, names, and whether
    a call follows (``a.b(``).

    A lone name followed by ``(`` is a method, unless it follows ``new`` (a constructor).
    """
    text, lower, ident = tokens.text, tokens.lower, tokens.ident
    size = len(text)
    # Names inside a chain follow a dot, so chains start exactly at these names.
    starts = [i for i in range(size) if ident[i] and (i == 0 or text[i - 1] not in {".", "@"})]
    for i in starts:
        names = [text[i]]
        j = i + 1
        while j + 1 < size and text[j] == "." and ident[j + 1]:
            names.append(text[j + 1])
            j += 2
        called = j < size and text[j] == "("
        if not called or len(names) > 1 or (i > 0 and lower[i - 1] == "new"):
            yield i, names, called


def _extract_chain(
    refs: References,
    path: str,
    names: list[str],
    line: int,
    called: bool,
    scopes: Scopes,
    at: int,
    *,
    as_type: bool = False,
) -> bool:
    """What one name chain names, given the variables visible where it is used (none, where
    it stands as a type: ``X x = new X()`` names class ``X`` beside its variable ``x``).

    True when the chain names the same wherever it stands in the file: its first name is no
    variable of the file (nor ``this``), so neither scopes nor position matter.
    """
    while len(names) > 1 and names[0].lower() in {"schema", "sobjecttype"}:
        names = names[1:]
    if names[0].lower() == "system" and len(names) > 2 and names[1].lower() == "label":
        names = names[1:]
    head = names[0]
    lowered = head.lower()
    if lowered in _KEYWORDS and (lowered != "this" or len(names) == 1):
        return True  # a keyword names nothing (and is never a variable)
    anywhere = lowered != "this" and not scopes.declares(lowered)
    if len(names) == 1 and not anywhere and not as_type and not is_customizable(head):
        return False  # a variable alone names no field, whatever its type
    types = None if as_type else scopes.types_at(head, at)
    if lowered in {"label", "page"} and len(names) > 1 and types is None:
        _extract_global(refs, path, line, names, called)
        return anywhere
    if is_customizable(head):
        refs.add(object_key(head), path, line, f"Apex uses object {head}")
        members = [n for n in names[1:] if n.lower() != "fields"]
        if members and members[0].lower().endswith("__c"):
            refs.add(field_key(head, members[0]), path, line, f"Apex uses field {members[0]}")
        return anywhere
    if lowered == "this" and len(names) > 1:
        types, names = scopes.field_types(names[1], at), names[1:]
    if types is not None:
        # A variable: its fields are those of its type, when the type is known here.
        known = {t for t in types if t.lower() not in scopes.own_types}
        for sobject in known:
            _extract_member_fields(refs, path, line, sobject, names[1:], certain=len(types) == 1)
        return anywhere
    if lowered in _KEYWORDS or lowered in scopes.own_types:
        return anywhere
    refs.add(ComponentKey("ApexClass", head), path, line, f"Apex uses class {head}", candidate=True)
    members = [n for n in names[1:] if n.lower() != "fields"]
    if members and members[0].lower().endswith("__c") and head[:1].isupper():
        # ``Account.Region__c``: a field token of an sObject type (a variable would be declared).
        refs.add(field_key(head, members[0]), path, line, f"Apex uses field {head}.{members[0]}")
    return anywhere


def _extract_global(refs: References, path: str, line: int, names: list[str], called: bool) -> None:
    """``Label.Name``, ``Label.ns.Name`` (a managed package's label), ``Page.Name``."""
    head = names[0]
    if head.lower() == "page":
        refs.add(ComponentKey("ApexPage", names[1]), path, line, f"Apex uses Page.{names[1]}")
        return
    # Label.A.B is label B of namespace A, unless B is a String method: Label.A.trim().
    namespaced = len(names) > 3 or (len(names) == 3 and not called)
    label = f"{names[1]}__{names[2]}" if namespaced else names[1]
    written = ".".join(names[: 3 if namespaced else 2])
    refs.add(ComponentKey("CustomLabel", label), path, line, f"Apex uses {written}")


def _extract_member_fields(
    refs: References, path: str, line: int, sobject: str, members: list[str], *, certain: bool
) -> None:
    """``record.Field__c`` or ``record.Parent__r.Name`` on a variable of a declared type.

    Uncertain when the name has several types where it is used, or a type that is not a
    custom object (it may be a class of the same name).
    """
    if not members or not is_customizable(members[0]):
        return
    dotted = ".".join(members[:2]) if is_relationship(members[0]) else members[0]
    for key in field_path_keys(dotted, sobject, qualified=False):
        refs.add(
            key,
            path,
            line,
            f"Apex uses field {sobject}.{members[0]}",
            candidate=not (certain and is_custom_object_name(sobject)),
        )


def _extract_upsert_keys(refs: References, path: str, tokens: Tokens, scopes: Scopes) -> set[int]:
    """``upsert records External_Id__c;``: the external id field of the records' type."""
    text, lower, ident, line = tokens.text, tokens.lower, tokens.ident, tokens.line
    covered: set[int] = set()
    for i in _indexes_of(lower, "upsert", len(text) - 3):
        if ident[i + 2] and text[i + 3] == ";":
            covered.add(i + 2)
            for sobject in scopes.types_at(text[i + 1], i + 1) or ():
                external_id = text[i + 2]
                refs.add(
                    field_key(sobject, external_id),
                    path,
                    line[i + 2],
                    f"Apex upserts by field {sobject}.{external_id}",
                    candidate=True,
                )
    return covered


def _extract_trigger_object(refs: References, path: str, tokens: Tokens) -> None:
    """``trigger Name on Object (...)``: the trigger needs its object."""
    lower = tokens.lower
    for i in _indexes_of(lower, "trigger", len(lower) - 3):
        if lower[i + 2] == "on":
            target = tokens.text[i + 3]
            refs.add(object_key(target), path, tokens.line[i + 3], "trigger fires on object")
            return


def _extract_constructor_fields(refs: References, path: str, tokens: Tokens) -> set[int]:
    """``new Obj__c(Field__c = value, ...)``: fields set by name; returns their indexes."""
    texts, ident, line = tokens.text, tokens.ident, tokens.line
    covered: set[int] = set()
    for i in _indexes_of(tokens.lower, "new", len(texts) - 2):
        if texts[i + 2] != "(":
            continue
        sobject = texts[i + 1]
        depth = 0
        for j in range(i + 2, len(texts) - 1):
            text = texts[j]
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
            if depth == 0:
                break
            if depth == 1 and ident[j] and texts[j + 1] == "=" and texts[j + 2 : j + 3] != ["="]:
                covered.add(j)
                refs.add(
                    field_key(sobject, text),
                    path,
                    line[j],
                    f"Apex sets field {sobject}.{text}",
                    candidate=not is_custom_object_name(sobject),
                )
    return covered


def _indexes_of(texts: list[str], word: str, stop: int) -> list[int]:
    """Indexes below ``stop`` of the tokens that are ``word``."""
    found: list[int] = []
    i = -1
    try:
        while True:
            i = texts.index(word, i + 1, max(stop, 0))
            found.append(i)
    except ValueError:
        return found


def _extract_queries(refs: References, path: str, tokens: Tokens) -> set[int]:
    """SOQL in ``[SELECT ... FROM X ...]``: its objects and fields; returns indexes it covers."""
    text, lower = tokens.text, tokens.lower
    covered: set[int] = set()
    end = -1
    for i in _indexes_of(text, "[", len(text) - 1):
        if i > end and lower[i + 1] in {"select", "find"}:
            end = _matching(tokens, i, len(text), "[", "]")
            _extract_select(refs, path, tokens, i + 1, end)
            covered.update(range(i, end + 1))
    return covered


def _extract_select(
    refs: References, path: str, tokens: Tokens, start: int, stop: int, *, child_rows: bool = False
) -> None:
    """One SELECT (or FIND) in tokens ``start`` to ``stop`` (excluded) and its nested selects,
    each relative to its own FROM object.

    A nested select in the field list reads child rows through a relationship whose object
    is unknown here (``child_rows``); one in the WHERE clause (a semi-join) names its object.
    """
    text, lower, ident, line = tokens.text, tokens.lower, tokens.ident, tokens.line
    from_index = _top_level_from(tokens, start, stop)
    sobject = None
    if from_index is not None and not child_rows:
        name = text[from_index + 1]
        followed_by_dot = from_index + 2 < stop and text[from_index + 2] == "."
        if not is_relationship(name) and not followed_by_dot:
            sobject = name
            reason = f"SOQL queries object {sobject}"
            refs.add(object_key(sobject), path, line[from_index + 1], reason)
    i = start
    while i < stop:
        if text[i] == "(" and i + 1 < stop and lower[i + 1] == "select":
            end = _matching(tokens, i, stop, "(", ")")
            in_field_list = from_index is None or i < from_index
            _extract_select(refs, path, tokens, i + 1, end, child_rows=in_field_list)
            i = end + 1
            continue
        preceded = text[i - 1] if i > start else ""
        if ident[i] and preceded not in {":", "."} and sobject is not None:
            first = i
            names = [text[i]]
            while i + 2 < stop and text[i + 1] == "." and ident[i + 2]:
                names.append(text[i + 2])
                i += 2
            if is_customizable(names[0]) and names[0] != sobject:
                for key in field_path_keys(".".join(names[:2]), sobject, qualified=False):
                    refs.add(key, path, line[first], f"SOQL uses field {'.'.join(names)}")
        i += 1


def _top_level_from(tokens: Tokens, start: int, stop: int) -> int | None:
    """Index of the FROM keyword of the select in ``start`` to ``stop`` (not of a nested one)."""
    text, lower, ident = tokens.text, tokens.lower, tokens.ident
    depth = 0
    for i in range(start, stop - 1):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        if depth == 0 and lower[i] == "from" and ident[i + 1]:
            return i
    return None


def _matching(tokens: Tokens, start: int, stop: int, opening: str, closing: str) -> int:
    """Index of the bracket closing the one at ``start`` (or the last index before ``stop``)."""
    depth = 0
    text = tokens.text
    for j in range(start, stop):
        depth += (text[j] == opening) - (text[j] == closing)
        if depth == 0:
            return j
    return stop - 1
