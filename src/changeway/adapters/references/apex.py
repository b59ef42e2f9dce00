"""References in Apex classes and triggers: classes, sObjects and fields they name.

A small tokenizer skips comments and string literals and tracks line numbers. Apex is
case-insensitive, and its identifiers cannot contain ``__``, so any name with a custom suffix
is a schema name. Other identifiers may be classes, system names or variables: they become
candidate references, which count only when a class of that name exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
    scope = _Scope.of(tokens)
    handled = _extract_queries(refs, path, tokens)
    handled |= _extract_constructor_fields(refs, path, tokens)
    handled |= _extract_upsert_keys(refs, path, tokens, scope)
    _extract_trigger_object(refs, path, tokens)
    for start, chain in _chains(tokens):
        if start in handled:
            continue
        _extract_chain(refs, path, chain, scope)


@dataclass(frozen=True)
class _Scope:
    """What one file declares: variable types (by lower-case name) and its own inner types."""

    variables: dict[str, set[str]]
    own_types: frozenset[str]

    @classmethod
    def of(cls, tokens: Sequence[Token]) -> _Scope:
        variables: dict[str, set[str]] = {}
        own_types: set[str] = set()
        for i, token in enumerate(tokens):
            word = token.text.lower()
            if word in {"class", "interface", "enum"} and i + 1 < len(tokens):
                own_types.add(tokens[i + 1].text.lower())
            declared = _declaration_at(tokens, i)
            if declared:
                variables.setdefault(declared[0].lower(), set()).add(declared[1])
        return cls(variables, frozenset(own_types))


def _declaration_at(tokens: Sequence[Token], i: int) -> tuple[str, str] | None:
    """``Type name =`` / ``List<Type> name;`` / ``Type[] name)``: (variable, element type)."""
    token = tokens[i]
    if not token.ident or token.text.lower() in _KEYWORDS:
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


def _chains(tokens: Sequence[Token]) -> Iterator[tuple[int, list[Token]]]:
    """Dotted name chains (``a.b.c``) not preceded by a dot, with their start index.

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
        called = len(chain) == 1 and j < len(tokens) and tokens[j].text == "("
        if not called or (i > 0 and tokens[i - 1].text.lower() == "new"):
            yield i, chain
        i = j


def _extract_chain(refs: References, path: str, chain: list[Token], scope: _Scope) -> None:
    names = [t.text for t in chain]
    line = chain[0].line
    while len(names) > 1 and names[0].lower() in {"schema", "sobjecttype"}:
        names = names[1:]
    head = names[0]
    lowered = head.lower()
    if lowered == "system" and len(names) > 2 and names[1].lower() == "label":
        names, lowered = names[1:], "label"
    if lowered in {"label", "page"} and len(names) > 1 and lowered not in scope.variables:
        type_ = "CustomLabel" if lowered == "label" else "ApexPage"
        refs.add(ComponentKey(type_, names[1]), path, line, f"Apex uses {head}.{names[1]}")
        return
    if is_customizable(head):
        refs.add(object_key(head), path, line, f"Apex uses object {head}")
        members = [n for n in names[1:] if n.lower() != "fields"]
        if members and members[0].lower().endswith("__c"):
            refs.add(field_key(head, members[0]), path, line, f"Apex uses field {members[0]}")
        return
    if lowered in scope.variables:
        types = scope.variables[lowered]
        for sobject in types:
            _extract_member_fields(refs, path, line, sobject, names[1:], certain=len(types) == 1)
        return
    if lowered not in _KEYWORDS and lowered not in scope.own_types:
        refs.add(
            ComponentKey("ApexClass", head), path, line, f"Apex uses class {head}", candidate=True
        )
        members = [n for n in names[1:] if n.lower() != "fields"]
        if members and members[0].lower().endswith("__c"):
            refs.add(
                field_key(head, members[0]),
                path,
                line,
                f"Apex uses field {head}.{members[0]}",
                candidate=not head[:1].isupper(),
            )


def _extract_member_fields(
    refs: References, path: str, line: int, sobject: str, members: list[str], *, certain: bool
) -> None:
    """``record.Field__c`` or ``record.Parent__r.Name`` on a variable of a declared type.

    Uncertain when the name is declared with several types in the file, or with a type that
    is not a custom object (it may be a class of the same name).
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
            candidate=not is_custom_object_name(sobject),
        )


def _extract_upsert_keys(
    refs: References, path: str, tokens: Sequence[Token], scope: _Scope
) -> set[int]:
    """``upsert records External_Id__c;``: the external id field of the records' type."""
    covered: set[int] = set()
    for i in range(len(tokens) - 3):
        if tokens[i].text.lower() == "upsert" and tokens[i + 2].ident and tokens[i + 3].text == ";":
            covered.add(i + 2)
            for sobject in scope.variables.get(tokens[i + 1].text.lower(), ()):
                field = tokens[i + 2]
                refs.add(
                    field_key(sobject, field.text),
                    path,
                    field.line,
                    f"Apex upserts by field {sobject}.{field.text}",
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
