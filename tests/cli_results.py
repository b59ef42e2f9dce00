"""Checking what a CLI invocation printed and how it ended."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from click.testing import Result

Invoke = Callable[..., Result]


def ok(result: Result) -> Result:
    """The command succeeded (exit code 0)."""
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def data(result: Result) -> Any:
    """The command succeeded; its stdout parsed as JSON."""
    return json.loads(ok(result).stdout)


def fails(result: Result, *needles: str) -> str:
    """Exit code 1, every needle in the (unwrapped) stderr, nothing on stdout."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    text = " ".join(result.stderr.split())
    for needle in needles:
        assert needle in text, text
    assert result.stdout == ""
    return text
