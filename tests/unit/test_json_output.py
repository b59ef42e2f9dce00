"""Long lists print as JSON a page at a time, with exactly the bytes of the whole list."""

from __future__ import annotations

import datetime
import enum
import io
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeway.cli.context import print_json, print_json_list


class Colour(str, enum.Enum):
    RED = "red"


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def printed(capsys: pytest.CaptureFixture[str], action: Any) -> str:
    action()
    return capsys.readouterr().out


@given(pages=st.lists(st.lists(values, max_size=4), max_size=4))
def test_pages_print_the_bytes_of_the_whole_list(pages: list[list[Any]]) -> None:
    whole, paged = io.StringIO(), io.StringIO()
    saved = sys.stdout
    try:
        sys.stdout = whole
        print_json([item for page in pages for item in page])
        sys.stdout = paged
        print_json_list(iter(pages))
    finally:
        sys.stdout = saved
    assert paged.getvalue() == whole.getvalue()


def test_values_json_cannot_hold_are_printed_as_text_like_the_whole_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = [{"at": datetime.datetime(2026, 12, 1, 9, 30), "colour": Colour.RED, 1: [()]}]
    whole = printed(capsys, lambda: print_json(items))
    assert printed(capsys, lambda: print_json_list([[], items, []])) == whole
    assert printed(capsys, lambda: print_json_list([])) == "[]\n"
