"""A small, real-shaped source-format sample of every metadata type the registry knows.

``sample(type)`` gives the files (paths relative to a package directory) and the component
keys they make; tests read them, convert them both ways, and compare with Salesforce's
converter. Written from the registry's facts (folder, suffix, layout), one file or bundle each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from changeway.adapters.formats import registry
from changeway.adapters.formats.registry import MetadataType
from changeway.domain.components import ComponentKey

NS = "http://soap.sforce.com/2006/04/metadata"
NAME = "Sample"
FOLDER = "SampleFolder"
# Types with a shape of their own, sampled by hand below.
SPECIAL = frozenset(
    {"DigitalExperienceBundle", "StaticResource", "ExperienceBundle", "Document", "UIBundle"}
)


def xml(root: str, body: str = "    <description>sample</description>\n") -> bytes:
    """A metadata file rooted in ``root`` (the shape every Salesforce metadata file has)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'
    ).encode()


@dataclass
class Sample:
    """Files of one type's sample and the components they are."""

    files: dict[str, bytes] = field(default_factory=dict)
    keys: set[ComponentKey] = field(default_factory=set)


def _folder(mdtype: MetadataType, out: Sample) -> str:
    """The folder a foldered type's sample lives in (created with its own metadata file)."""
    folder_type = registry().types[mdtype.in_folder or ""]
    folder_file = f"{mdtype.directory}/{FOLDER}.{folder_type.suffix}-meta.xml"
    out.files[folder_file] = xml(folder_type.name, f"    <name>{FOLDER}</name>\n")
    out.keys.add(ComponentKey(folder_type.name, FOLDER))
    return f"{mdtype.directory}/{FOLDER}"


def _embedded(mdtype: MetadataType, out: Sample) -> str:
    """A parent file holding one child of each kind that Salesforce names in ``package.xml``."""
    reg = registry()
    body = ""
    for child_name in mdtype.children:
        child = reg.types[child_name]
        if not child.addressable or child.element is None:
            continue
        body += f"    <{child.element}>\n        <{child.unique_id}>Child{child.name}"
        body += f"</{child.unique_id}>\n    </{child.element}>\n"
        full = f"Child{child.name}" if child.full_name == "own" else f"{NAME}.Child{child.name}"
        out.keys.add(ComponentKey(child.name, full))
    return body or "    <description>sample</description>\n"


def _decomposed(mdtype: MetadataType, out: Sample) -> None:
    reg = registry()
    folder = f"{mdtype.directory}/{NAME}"
    out.files[f"{folder}/{NAME}.{mdtype.suffix}-meta.xml"] = xml(
        mdtype.name, "    <label>Sample</label>\n"
    )
    out.keys.add(ComponentKey(mdtype.name, NAME))
    for child_name in mdtype.children:
        child = reg.types[child_name]
        sub = f"{child.directory}/" if mdtype.decomposition == "folderPerType" else ""
        unique = child.unique_id
        body = f"    <{unique}>Child{child.name}</{unique}>\n"
        out.files[f"{folder}/{sub}Child{child.name}.{child.suffix}-meta.xml"] = xml(
            child.name, body
        )
        out.keys.add(ComponentKey(child.name, f"{NAME}.Child{child.name}"))


def _special(name: str, out: Sample) -> None:
    if name == "StaticResource":
        meta = (
            "    <cacheControl>Private</cacheControl>\n    <contentType>text/plain</contentType>\n"
        )
        out.files["staticresources/Sample.resource-meta.xml"] = xml("StaticResource", meta)
        out.files["staticresources/Sample.txt"] = b"sample\n"
        out.keys.add(ComponentKey(name, NAME))
    elif name == "ExperienceBundle":
        out.files["experiences/Sample1.site-meta.xml"] = xml("ExperienceBundle")
        out.files["experiences/Sample1/config/sample1.json"] = b'{"type": "sample"}\n'
        out.keys.add(ComponentKey(name, "Sample1"))
    elif name == "Document":
        folder = _folder(registry().types[name], out)
        out.files[f"{folder}/Sample.document-meta.xml"] = xml("Document")
        out.files[f"{folder}/Sample.txt"] = b"sample\n"
        out.keys.add(ComponentKey(name, f"{FOLDER}/{NAME}"))
    elif name == "UIBundle":
        out.files["uiBundles/Sample/Sample.uibundle-meta.xml"] = xml("UIBundle")
        out.files["uiBundles/Sample/src/index.html"] = b"<!DOCTYPE html>\n<p>sample</p>\n"
        out.keys.add(ComponentKey(name, NAME))
    elif name == "DigitalExperienceBundle":
        base = "digitalExperiences/site/Sample1"
        out.files[f"{base}/Sample1.digitalExperience-meta.xml"] = xml(name)
        out.files[f"{base}/sfdc_cms__view/home/_meta.json"] = b'{"apiName": "home"}\n'
        out.files[f"{base}/sfdc_cms__view/home/content.json"] = b'{"type": "sfdc_cms__view"}\n'
        out.keys |= {
            ComponentKey(name, "site/Sample1"),
            ComponentKey("DigitalExperience", "site/Sample1.sfdc_cms__view/home"),
        }


def _territory(mdtype: MetadataType, out: Sample) -> None:
    model = f"territory2Models/{NAME}"
    if mdtype.name == "Territory2Model":
        out.files[f"{model}/{NAME}.territory2Model-meta.xml"] = xml(mdtype.name)
        out.keys.add(ComponentKey(mdtype.name, NAME))
        return
    _territory(registry().types["Territory2Model"], out)
    path = f"{model}/{mdtype.directory}/Part.{mdtype.suffix}-meta.xml"
    out.files[path] = xml(mdtype.name)
    out.keys.add(ComponentKey(mdtype.name, f"{NAME}.Part"))


def sample(type_name: str) -> Sample:
    """A source-format sample of ``type_name`` (paths relative to a package directory)."""
    mdtype = registry().types[type_name]
    out = Sample()
    if type_name in SPECIAL:
        _special(type_name, out)
    elif mdtype.folder_type:
        _territory(mdtype, out)
    elif mdtype.layout == "decomposed":
        _decomposed(mdtype, out)
    elif mdtype.layout == "bundle":
        base = f"{mdtype.directory}/sample1"
        if mdtype.meta_file:
            out.files[f"{base}/{mdtype.meta_file}"] = b'{"title": "sample"}\n'
        else:
            out.files[f"{base}/sample1.js"] = b"export default {};\n"
            out.files[f"{base}/sample1.js-meta.xml"] = xml(type_name)
        out.keys.add(ComponentKey(type_name, "sample1"))
    elif mdtype.layout == "folder":
        path = f"{mdtype.directory}/{FOLDER}.{mdtype.suffix}-meta.xml"
        out.files[path] = xml(mdtype.name, f"    <name>{FOLDER}</name>\n")
        out.keys.add(ComponentKey(mdtype.name, FOLDER))
    else:
        folder = _folder(mdtype, out) if mdtype.in_folder else mdtype.directory
        name = "Account" if mdtype.root else mdtype.name if mdtype.fixed_name else NAME
        body = _embedded(mdtype, out) if mdtype.layout == "embedded" else None
        path = f"{folder}/{name}.{mdtype.suffix}"
        out.files[f"{path}-meta.xml"] = xml(mdtype.root_for(name), *([body] if body else []))
        if mdtype.layout == "content":
            out.files[path] = b"sample content\n"
        out.keys.add(ComponentKey(type_name, f"{FOLDER}/{name}" if mdtype.in_folder else name))
    return out


def sampled_types() -> list[str]:
    """Every type with a sample of its own: the registry's types minus children (sampled with
    their parents) and aliases (the same type under another name)."""
    reg = registry()
    return sorted(
        name
        for name, mdtype in reg.types.items()
        if mdtype.layout != "child" and not mdtype.alias_for
    )
