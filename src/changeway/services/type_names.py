"""Metadata type names as users type them: a name that neither Salesforce's registry nor the
org knows is refused with the closest known names (`ApexClas`: did you mean ApexClass?)."""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches

from changeway.adapters.formats import registry
from changeway.domain.errors import NotFound


def require_known_type(name: str, *, held: Callable[[str], bool]) -> None:
    """Refuse ``name`` unless the registry knows it or ``held(name)`` (the org holds
    components of that type, as a project's own registry customizations may add)."""
    known = registry().types
    if name in known or held(name):
        return
    same_but_case = [t for t in known if t.lower() == name.lower()]
    close = same_but_case or get_close_matches(name, list(known), n=3, cutoff=0.8)
    hint = f": did you mean {' or '.join(close)}?" if close else ""
    raise NotFound(
        f"unknown metadata type {name!r}{hint}", details={"type": name, "suggestions": close}
    )
