"""`changeway version`: which changeway this is."""

from __future__ import annotations

import typer

from changeway import __version__


def version() -> None:
    """Print changeway's version."""
    typer.echo(f"changeway {__version__}")
