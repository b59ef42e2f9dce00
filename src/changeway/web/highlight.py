"""Syntax highlighting of metadata files with Pygments (Apex reads well as Java)."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import JavaLexer, TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

#: Salesforce file endings Pygments does not know, and the lexer that reads them well.
_SALESFORCE = {".cls": JavaLexer, ".trigger": JavaLexer, ".apex": JavaLexer}
#: Files larger than this are shown plain: highlighting them would slow the page.
MAX_HIGHLIGHT = 256 * 1024


def _lexer(path: str) -> Lexer:
    for ending, lexer in _SALESFORCE.items():
        if path.endswith(ending):
            return lexer()
    try:
        return get_lexer_for_filename(path)
    except ClassNotFound:
        return TextLexer()


def highlighted(path: str, content: str) -> str:
    """``content`` as HTML (``<div class="highlight">``) with line numbers."""
    lexer = TextLexer() if len(content) > MAX_HIGHLIGHT else _lexer(path)
    return highlight(content, lexer, HtmlFormatter(linenos="table", wrapcode=True))


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The CSS of the highlighting colours."""
    return str(HtmlFormatter(style="default").get_style_defs(".highlight"))
