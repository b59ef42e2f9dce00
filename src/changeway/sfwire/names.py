"""Metadata API file names of components, as DeployResults and listMetadata show them."""

from __future__ import annotations

from changeway.adapters import formats
from changeway.domain.components import ComponentKey


def file_name(key: ComponentKey) -> str:
    """``classes/Hello.cls``, ``objects/Account.object`` (a field's object file), or the
    type's folder and the name when the type is unknown."""
    reg = formats.registry()
    mdtype = reg.get(key.type)
    if mdtype is None:
        return f"{key.type}/{key.name}"
    name = key.name
    if mdtype.parent:
        parent = reg.get(mdtype.parent)
        if parent is not None:
            mdtype, name = parent, name.split(".")[0]
    suffix = f".{mdtype.suffix}" if mdtype.suffix else ""
    return f"{mdtype.directory}/{name}{suffix}"
