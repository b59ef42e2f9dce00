"""Salesforce metadata formats: the type registry, source and Metadata API reading and writing.

The rest of changeway sees only components (type, full name, source-format files).
"""

from changeway.adapters.formats.expanding import expand_archives
from changeway.adapters.formats.manifest import package_xml, parse_manifest
from changeway.adapters.formats.model import MetadataSet, Problem
from changeway.adapters.formats.reading import read_metadata, unpack_archive
from changeway.adapters.formats.registry import MetadataType, Registry, registry
from changeway.adapters.formats.validation import (
    case_duplicates,
    check_component,
    inspect_component,
)
from changeway.adapters.formats.writing import mdapi_files, write_mdapi, write_source

__all__ = [
    "MetadataSet",
    "MetadataType",
    "Problem",
    "Registry",
    "case_duplicates",
    "check_component",
    "expand_archives",
    "inspect_component",
    "mdapi_files",
    "package_xml",
    "parse_manifest",
    "read_metadata",
    "registry",
    "unpack_archive",
    "write_mdapi",
    "write_source",
]
