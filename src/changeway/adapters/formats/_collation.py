"""Sort keys that order names as JavaScript's ``localeCompare`` does (ICU root collation).

Salesforce's converter sorts the children it merges into ``.object`` files with
``localeCompare``; byte-identical output needs the same order, e.g. ``a_b < a-b < ab < aB < Ab``.
"""

from __future__ import annotations

# ASCII in ICU root order (punctuation, symbols, digits, then letters case-insensitively).
_ORDER = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz"
_PRIMARY = {char: index for index, char in enumerate(_ORDER)}
for _upper in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _PRIMARY[_upper] = _PRIMARY[_upper.lower()]
_OFFSET = len(_ORDER)
# The same weights for ASCII text, as one byte per character (translated in C).
_ASCII_PRIMARY = {code: _PRIMARY.get(chr(code), _OFFSET + code) for code in range(128)}
_ASCII_CASE = {code: 1 if chr(code).isupper() else 0 for code in range(128)}


def collation_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Primary weights (case-insensitive) then case weights (lower before upper)."""
    if text.isascii():
        primary = tuple(text.translate(_ASCII_PRIMARY).encode("latin-1"))
        return primary, tuple(text.translate(_ASCII_CASE).encode("latin-1"))
    primary = tuple(_PRIMARY.get(char, _OFFSET + ord(char)) for char in text)
    tertiary = tuple(1 if char.isupper() else 0 for char in text)
    return primary, tertiary
