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
from collections.abc import Collection, Iterator, Sequence
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

_LEXEME = re.compile(
    r"(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|(?P<string>'(?:\\.|[^'\\\n])*'?)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>[0-9][0-9A-Za-z_.]*)"
    r"|(?P<newline>\n)"
    r"|(?P<punct>[^\sA-Za-z0-9_])",
    re.DOTALL,
)

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
_TYPE_KEYWORDS = frozenset({"class", "interface", "enum"})
_DECLARATION_ENDS = frozenset({"=", ";", ",", ")", ":", "{"})


@dataclass(frozen=True)
class Token:
    """One identifier or punctuation mark, with its 1-based line."""

    text: str
    line: int
    ident: bool


def tokenize(source: str) -> list[Token]:
    """Identifiers and punctuation of Apex source; comments, strings and numbers dropped."""
    tokens: list[Token] = []
    line = 1
    for match in _LEXEME.finditer(source):
        kind = match.lastgroup
        if kind == "ident":
            tokens.append(Token(match.group(), line, True))
        elif kind == "punct":
            tokens.append(Token(match.group(), line, False))
        elif kind == "string":
            tokens.append(Token("''", line, False))
        if kind in {"comment", "string", "newline"}:
            line += match.group().count("\n")
    return tokens


def extract_apex(refs: References, path: str, source: str) -> None:
    """Record what one Apex file names: SOQL objects and fields, sObjects, fields, classes."""
    tokens = tokenize(source)
    handled = _extract_queries(refs, path, tokens)
    scopes = Scopes.of(tokens, skip=handled)
    handled |= _extract_constructor_fields(refs, path, tokens)
    handled |= _extract_upsert_keys(refs, path, tokens, scopes)
    _extract_trigger_object(refs, path, tokens)
    for start, chain, called in _chains(tokens):
        if start in handled:
            continue
        as_type = _type_position(tokens, start, len(chain))
        _extract_chain(refs, path, chain, called, scopes, start, as_type=as_type)


def _type_position(tokens: Sequence[Token], i: int, length: int) -> bool:
    """Whether the chain of ``length`` names at ``i`` can only be a type, whatever variables
    share its name: after ``new``, as a collection's type argument (``List<X>``), as an array
    (``X[]``) or as the type of a declaration (``X x =``, ``for (X x : ...)``)."""
    before = tokens[i - 1].text.lower() if i > 0 else ""
    generic = before == "<" and i > 1 and tokens[i - 2].text.lower() in {*_COLLECTIONS, "map"}
    end = i + 2 * length - 1
    array = end + 1 < len(tokens) and tokens[end].text == "[" and tokens[end + 1].text == "]"
    return before == "new" or generic or array or _declaration_at(tokens, i) is not None


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

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._blocks: list[_Block] = [_Block(-1, len(tokens), None, False)]
        self._owner: list[int] = []
        # Loop variables of brace-less ``for`` statements: (first index, last index, name, type).
        self._loops: list[tuple[int, int, str, str]] = []
        self._declared: set[str] = set()
        self.own_types: set[str] = set()

    @classmethod
    def of(cls, tokens: Sequence[Token], skip: Collection[int] = ()) -> Scopes:
        """The scopes of a tokenized file; ``skip`` holds indexes of SOQL, which declares none."""
        scopes = cls(tokens)
        opens = scopes._blocks_and_owners(tokens)
        closing = _closing_parens(tokens)
        for i in range(len(tokens)):
            if i in skip:
                continue
            declared = _declaration_at(tokens, i)
            if declared:
                scopes._declare(tokens, i, *declared, opens=opens, closing=closing)
        return scopes

    def _blocks_and_owners(self, tokens: Sequence[Token]) -> dict[int, int]:
        """Build the block tree; returns ``{`` index -> block. Also notes inner type names."""
        stack = [0]
        opens: dict[int, int] = {}
        header_start = 0
        for i, token in enumerate(tokens):
            text = token.text
            if text == "{":
                header = tokens[header_start:i]
                is_class = any(t.text.lower() in _TYPE_KEYWORDS for t in header)
                self._blocks.append(_Block(i, len(tokens), stack[-1], is_class))
                opens[i] = len(self._blocks) - 1
                stack.append(len(self._blocks) - 1)
            self._owner.append(stack[-1])
            if text == "}" and len(stack) > 1:
                self._blocks[stack.pop()].end = i
            if text in {"{", "}", ";"}:
                header_start = i + 1
            if text.lower() in _TYPE_KEYWORDS and i + 1 < len(tokens) and tokens[i + 1].ident:
                self.own_types.add(tokens[i + 1].text.lower())
        return opens

    def _declare(
        self,
        tokens: Sequence[Token],
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
            elif paren > 0 and tokens[paren - 1].text.lower() == "for":
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

    def field_types(self, name: str, at: int) -> set[str] | None:
        """The types of a field of the class around index ``at`` (``this.name``)."""
        block: int | None = self._owner[at] if at < len(self._owner) else 0
        while block is not None and not self._blocks[block].is_class:
            block = self._blocks[block].parent
        if block is None:
            return None
        return self._blocks[block].members.get(name.lower(), set())


def _closing_parens(tokens: Sequence[Token]) -> dict[int, int]:
    """Index of each ``(`` -> index of its ``)``."""
    stack: list[int] = []
    closing: dict[int, int] = {}
    for i, token in enumerate(tokens):
        if token.text == "(":
            stack.append(i)
        elif token.text == ")" and stack:
            closing[stack.pop()] = i
    return closing


def _enclosing_paren(tokens: Sequence[Token], i: int, block_start: int) -> int | None:
    """The ``(`` that directly encloses index ``i`` within its block, if any."""
    depth = 0
    for j in range(i - 1, block_start, -1):
        text = tokens[j].text
        if text == ")":
            depth += 1
        elif text == "(":
            if depth == 0:
                return j
            depth -= 1
        elif text in {";", "{", "}"}:
            return None
    return None


def _statement_end(tokens: Sequence[Token], start: int) -> int:
    """The index of the ``;`` ending the statement after ``start`` (brackets balanced)."""
    depth = 0
    for j in range(start + 1, len(tokens)):
        text = tokens[j].text
        depth += (text in {"(", "{", "["}) - (text in {")", "}", "]"})
        if depth <= 0 and text in {";", "}"}:
            return j
    return len(tokens) - 1


def _declaration_at(tokens: Sequence[Token], i: int) -> tuple[str, str] | None:
    """``Type name =`` / ``List<Type> name;`` / ``Type[] name)``: (variable, element type)."""
    token = tokens[i]
    if not token.ident or token.text.lower() in _KEYWORDS:
        return None
    if i > 0 and tokens[i - 1].text == ".":
        return None
    type_name, j = token.text, i + 1
    while j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].ident:
        type_name, j = tokens[j + 1].text, j + 2
    element = type_name
    if j < len(tokens) and tokens[j].text == "<":
        args, j = _generic_args(tokens, j)
        if not args:
            return None
        if type_name.lower() in _COLLECTIONS or type_name.lower() == "map":
            element = args[-1]
    while j + 1 < len(tokens) and tokens[j].text == "[" and tokens[j + 1].text == "]":
        j += 2
    if j + 1 >= len(tokens) or not tokens[j].ident or tokens[j].text.lower() in _KEYWORDS:
        return None
    if tokens[j + 1].text not in _DECLARATION_ENDS:
        return None
    return tokens[j].text, element


def _generic_args(tokens: Sequence[Token], j: int) -> tuple[list[str], int]:
    """Top-level type arguments of ``<...>`` starting at ``j``, and the index after ``>``."""
    depth, args = 0, list[str]()
    while j < len(tokens):
        text = tokens[j].text
        if text == "<":
            depth += 1
        elif text == ">":
            depth -= 1
            if depth == 0:
                return args, j + 1
        elif depth == 1 and tokens[j].ident and tokens[j - 1].text in {"<", ",", "."}:
            if tokens[j - 1].text == "." and args:
                args[-1] = text
            else:
                args.append(text)
        elif not tokens[j].ident and text not in {",", ".", "[", "]"}:
            return [], j
        j += 1
    return [], j


def _chains(tokens: Sequence[Token]) -> Iterator[tuple[int, list[Token], bool]]:
    """Dotted name chains (``a.b.c``) not preceded by a dot: start index, names, and whether
    a call follows (``a.b(``).

    A lone name followed by ``(`` is a method, unless it follows ``new`` (a constructor).
    """
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.ident or (i > 0 and tokens[i - 1].text in {".", "@"}):
            i += 1
            continue
        chain = [token]
        j = i + 1
        while j + 1 < len(tokens) and tokens[j].text == "." and tokens[j + 1].ident:
            chain.append(tokens[j + 1])
            j += 2
        called = j < len(tokens) and tokens[j].text == "("
        if not called or len(chain) > 1 or (i > 0 and tokens[i - 1].text.lower() == "new"):
            yield i, chain, called
        i = j


def _extract_chain(
    refs: References,
    path: str,
    chain: list[Token],
    called: bool,
    scopes: Scopes,
    at: int,
    *,
    as_type: bool = False,
) -> None:
    """What one name chain names, given the variables visible where it is used (none, where
    it stands as a type: ``X x = new X()`` names class ``X`` beside its variable ``x``)."""
    names = [t.text for t in chain]
    line = chain[0].line
    while len(names) > 1 and names[0].lower() in {"schema", "sobjecttype"}:
        names = names[1:]
    if names[0].lower() == "system" and len(names) > 2 and names[1].lower() == "label":
        names = names[1:]
    head = names[0]
    lowered = head.lower()
    types = None if as_type else scopes.types_at(head, at)
    if lowered in {"label", "page"} and len(names) > 1 and types is None:
        _extract_global(refs, path, line, names, called)
        return
    if is_customizable(head):
        refs.add(object_key(head), path, line, f"Apex uses object {head}")
        members = [n for n in names[1:] if n.lower() != "fields"]
        if members and members[0].lower().endswith("__c"):
            refs.add(field_key(head, members[0]), path, line, f"Apex uses field {members[0]}")
        return
    if lowered == "this" and len(names) > 1:
        types, names = scopes.field_types(names[1], at), names[1:]
    if types is not None:
        # A variable: its fields are those of its type, when the type is known here.
        known = {t for t in types if t.lower() not in scopes.own_types}
        for sobject in known:
            _extract_member_fields(refs, path, line, sobject, names[1:], certain=len(types) == 1)
        return
    if lowered in _KEYWORDS or lowered in scopes.own_types:
        return
    refs.add(ComponentKey("ApexClass", head), path, line, f"Apex uses class {head}", candidate=True)
    members = [n for n in names[1:] if n.lower() != "fields"]
    if members and members[0].lower().endswith("__c") and head[:1].isupper():
        # ``Account.Region__c``: a field token of an sObject type (a variable would be declared).
        refs.add(field_key(head, members[0]), path, line, f"Apex uses field {head}.{members[0]}")


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


def _extract_upsert_keys(
    refs: References, path: str, tokens: Sequence[Token], scopes: Scopes
) -> set[int]:
    """``upsert records External_Id__c;``: the external id field of the records' type."""
    covered: set[int] = set()
    for i in range(len(tokens) - 3):
        if tokens[i].text.lower() == "upsert" and tokens[i + 2].ident and tokens[i + 3].text == ";":
            covered.add(i + 2)
            for sobject in scopes.types_at(tokens[i + 1].text, i + 1) or ():
                external_id = tokens[i + 2]
                refs.add(
                    field_key(sobject, external_id.text),
                    path,
                    external_id.line,
                    f"Apex upserts by field {sobject}.{external_id.text}",
                    candidate=True,
                )
    return covered


def _extract_trigger_object(refs: References, path: str, tokens: Sequence[Token]) -> None:
    """``trigger Name on Object (...)``: the trigger needs its object."""
    for i in range(len(tokens) - 3):
        if tokens[i].text.lower() == "trigger" and tokens[i + 2].text.lower() == "on":
            target = tokens[i + 3]
            refs.add(object_key(target.text), path, target.line, "trigger fires on object")
            return


def _extract_constructor_fields(refs: References, path: str, tokens: Sequence[Token]) -> set[int]:
    """``new Obj__c(Field__c = value, ...)``: fields set by name; returns their indexes."""
    covered: set[int] = set()
    for i in range(len(tokens) - 2):
        if tokens[i].text.lower() != "new" or tokens[i + 2].text != "(":
            continue
        sobject = tokens[i + 1].text
        depth = 0
        for j in range(i + 2, len(tokens) - 1):
            text = tokens[j].text
            depth += {"(": 1, ")": -1}.get(text, 0)
            if depth == 0:
                break
            if depth == 1 and tokens[j].ident and tokens[j + 1].text == "=" != tokens[j + 2].text:
                covered.add(j)
                refs.add(
                    field_key(sobject, text),
                    path,
                    tokens[j].line,
                    f"Apex sets field {sobject}.{text}",
                    candidate=not is_custom_object_name(sobject),
                )
    return covered


def _extract_queries(refs: References, path: str, tokens: Sequence[Token]) -> set[int]:
    """SOQL in ``[SELECT ... FROM X ...]``: its objects and fields; returns indexes it covers."""
    covered: set[int] = set()
    i = 0
    while i < len(tokens) - 1:
        if tokens[i].text == "[" and tokens[i + 1].text.lower() in {"select", "find"}:
            end = _matching(tokens, i, "[", "]")
            _extract_select(refs, path, tokens[i + 1 : end])
            covered.update(range(i, end + 1))
            i = end
        i += 1
    return covered


def _extract_select(
    refs: References, path: str, query: Sequence[Token], *, child_rows: bool = False
) -> None:
    """One SELECT (or FIND) and its nested selects, each relative to its own FROM object.

    A nested select in the field list reads child rows through a relationship whose object
    is unknown here (``child_rows``); one in the WHERE clause (a semi-join) names its object.
    """
    from_index = _top_level_from(query)
    sobject = None
    if from_index is not None and not child_rows:
        name = query[from_index + 1]
        followed_by_dot = from_index + 2 < len(query) and query[from_index + 2].text == "."
        if not is_relationship(name.text) and not followed_by_dot:
            sobject = name.text
            refs.add(object_key(sobject), path, name.line, f"SOQL queries object {sobject}")
    i = 0
    while i < len(query):
        token = query[i]
        if token.text == "(" and i + 1 < len(query) and query[i + 1].text.lower() == "select":
            end = _matching(query, i, "(", ")")
            in_field_list = from_index is None or i < from_index
            _extract_select(refs, path, query[i + 1 : end], child_rows=in_field_list)
            i = end + 1
            continue
        preceded = query[i - 1].text if i > 0 else ""
        if token.ident and preceded not in {":", "."} and sobject is not None:
            names = [token.text]
            while i + 2 < len(query) and query[i + 1].text == "." and query[i + 2].ident:
                names.append(query[i + 2].text)
                i += 2
            if is_customizable(names[0]) and names[0] != sobject:
                for key in field_path_keys(".".join(names[:2]), sobject, qualified=False):
                    refs.add(key, path, token.line, f"SOQL uses field {'.'.join(names)}")
        i += 1


def _top_level_from(query: Sequence[Token]) -> int | None:
    """Index of the FROM keyword of this select (not of a nested one)."""
    depth = 0
    for i, token in enumerate(query[:-1]):
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth == 0 and token.text.lower() == "from" and query[i + 1].ident:
            return i
    return None


def _matching(tokens: Sequence[Token], start: int, opening: str, closing: str) -> int:
    """Index of the bracket closing the one at ``start`` (or the last index)."""
    depth = 0
    for j in range(start, len(tokens)):
        depth += (tokens[j].text == opening) - (tokens[j].text == closing)
        if depth == 0:
            return j
    return len(tokens) - 1
