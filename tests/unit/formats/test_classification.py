"""Which component a file is, as Salesforce's converter decides, and what disagreeing files mean.

Real-shaped fixtures for each rule: settings files, roots that name a sibling type, type
confusion, unknown types, legacy suffixes, labels files, children listed in package.xml,
objects split over package directories, the .forceignore above a converted folder.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from changeway.adapters.formats import parse_manifest, read_metadata, write_mdapi, write_source
from changeway.domain.components import ComponentKey
from changeway.domain.errors import InvalidMetadata, MetadataProblems
from changeway.services.conversion import convert
from changeway.services.intake import read_checked
from tests.type_samples import xml
from tests.unit.formats.test_all_types import PACKAGE, write_project

CLASS = b"public with sharing class ProjectService {}\n"
CLASS_META = xml("ApexClass", "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n")


def keys(path: Path) -> set[ComponentKey]:
    return {c.key for c in read_metadata(path).components}


def listed(package_xml: Path) -> set[tuple[str, str]]:
    return set(parse_manifest(package_xml))


def mdapi_zip(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("package.xml", xml("Package", "    <version>62.0</version>\n"))
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_settings_files_are_rooted_in_their_own_name(tmp_path: Path) -> None:
    good = {"settings/LightningExperience.settings-meta.xml": xml("LightningExperienceSettings")}
    incoming = read_checked(write_project(tmp_path / "good", good))
    assert [c.key for c in incoming.components] == [ComponentKey("Settings", "LightningExperience")]
    assert incoming.warnings == []
    wrong = {"settings/LightningExperience.settings-meta.xml": xml("AccountSettings")}
    with pytest.raises(InvalidMetadata, match="root element AccountSettings does not match"):
        read_checked(write_project(tmp_path / "wrong", wrong))


def test_a_root_naming_a_sibling_type_is_a_warning_and_strict_refuses_it(
    tmp_path: Path,
) -> None:
    path = "featureParameters/ContactsLimit.featureParameterInteger-meta.xml"
    body = "    <dataflowDirection>LmoToSubscriber</dataflowDirection>\n    <value>5</value>\n"
    project = write_project(tmp_path / "p", {path: xml("FeatureParameterBoolean", body)})
    incoming = read_checked(project)
    assert [c.key for c in incoming.components] == [
        ComponentKey("FeatureParameterInteger", "ContactsLimit")
    ]
    [warning] = incoming.warnings
    assert warning.path == f"{PACKAGE}/{path}"
    assert "FeatureParameterBoolean is another type of the same folder" in warning.message
    with pytest.raises(InvalidMetadata, match="FeatureParameterBoolean is another type"):
        read_checked(project, strict=True)


def test_every_problem_of_an_input_is_reported_at_once(tmp_path: Path) -> None:
    files = {
        "flows/Broken.flow-meta.xml": b"<Flow>\n<x></Flow>",
        "classes/Bad.cls": CLASS,
        "classes/Bad.cls-meta.xml": xml("Layout"),
        "layouts/Account-Account Layout.layout-meta.xml": xml("Layout"),
    }
    with pytest.raises(MetadataProblems) as caught:
        read_checked(write_project(tmp_path / "p", files))
    assert len(caught.value.problems) == 2
    message = str(caught.value)
    assert message.startswith("2 problems in the metadata:")
    assert f"{PACKAGE}/flows/Broken.flow-meta.xml:2: malformed XML" in message
    assert f"{PACKAGE}/classes/Bad.cls-meta.xml:2: root element Layout does not" in message


def test_a_file_posing_as_a_known_type_is_refused_in_both_formats(tmp_path: Path) -> None:
    """Type confusion: the root element never decides a type the registry knows."""
    files = {
        "classes/ProjectService.cls": CLASS,
        "classes/ProjectService.cls-meta.xml": CLASS_META,
        "widgets/ProjectService.weird-meta.xml": CLASS_META,
    }
    project = write_project(tmp_path / "p", files)
    needle = "root element ApexClass names a known type, but ApexClass files are classes/"
    with pytest.raises(InvalidMetadata, match=needle) as caught:
        read_metadata(project)
    assert caught.value.path == f"{PACKAGE}/widgets/ProjectService.weird-meta.xml"
    with pytest.raises(InvalidMetadata, match=needle):
        convert(project, tmp_path / "out", to="mdapi")
    assert not (tmp_path / "out").exists()
    archive = mdapi_zip(
        tmp_path / "in.zip",
        {
            "classes/ProjectService.cls": CLASS,
            "classes/ProjectService.cls-meta.xml": CLASS_META,
            "widgets/ProjectService.weird": CLASS_META,
        },
    )
    with pytest.raises(InvalidMetadata, match=needle):
        read_metadata(archive)


def test_unknown_types_are_carried_with_a_warning_naming_each_file(tmp_path: Path) -> None:
    files = {
        "widgets/Gauge.widget-meta.xml": xml("Widget"),
        "widgets/Dial.widget-meta.xml": xml("Widget"),
    }
    project = write_project(tmp_path / "p", files)
    report = convert(project, tmp_path / "out", to="mdapi")
    assert sorted(str(w) for w in report.warnings) == [
        f"{PACKAGE}/widgets/{name}.widget-meta.xml: Widget is not a type Salesforce's registry"
        " knows: carried as is, typed by its root element"
        for name in ("Dial", "Gauge")
    ]
    assert (tmp_path / "out/widgets/Gauge.widget").read_bytes() == xml("Widget")
    assert ("Widget", "Gauge") in listed(tmp_path / "out/package.xml")
    with pytest.raises(MetadataProblems, match="2 problems"):
        convert(project, tmp_path / "strict", to="mdapi", strict=True)
    assert not (tmp_path / "strict").exists()


def test_strict_also_refuses_files_that_are_not_metadata(tmp_path: Path) -> None:
    files = {"classes/A.cls": CLASS, "classes/A.cls-meta.xml": CLASS_META, "README.md": b"hi\n"}
    project = write_project(tmp_path / "p", files)
    assert convert(project, tmp_path / "out", to="mdapi").skipped == [f"{PACKAGE}/README.md"]
    with pytest.raises(InvalidMetadata, match=r"README\.md: belongs to no metadata component"):
        convert(project, tmp_path / "strict", to="mdapi", strict=True)


def test_a_child_type_outside_its_parents_folder_is_refused(tmp_path: Path) -> None:
    files = {"fields/Stray__c.field-meta.xml": xml("CustomField")}
    with pytest.raises(InvalidMetadata, match="a CustomField file belongs in the folder of its"):
        read_metadata(write_project(tmp_path / "p", files))


def test_strict_type_folders_decide_between_types_sharing_a_suffix(tmp_path: Path) -> None:
    files = {
        "sites/Partners.site-meta.xml": xml("CustomSite"),
        "siteDotComSites/Partners1.site": b"binary site\n",
        "siteDotComSites/Partners1.site-meta.xml": xml("SiteDotCom"),
    }
    assert keys(write_project(tmp_path / "p", files)) == {
        ComponentKey("CustomSite", "Partners"),
        ComponentKey("SiteDotCom", "Partners1"),
    }


def test_the_innermost_type_folder_holds_the_component(tmp_path: Path) -> None:
    files = {
        "objects/objects/Log__b/Log__b.object-meta.xml": xml("CustomObject"),
        "objects/objects/Log__b/fields/At__c.field-meta.xml": xml("CustomField"),
    }
    assert keys(write_project(tmp_path / "p", files)) == {
        ComponentKey("CustomObject", "Log__b"),
        ComponentKey("CustomField", "Log__b.At__c"),
    }


def test_files_of_bundles_are_never_parsed_as_metadata(tmp_path: Path) -> None:
    files = {
        "uiBundles/Portal/Portal.uibundle-meta.xml": xml("UIBundle"),
        "uiBundles/Portal/src/index.html": b"<!DOCTYPE html>\n<html></html>\n",
    }
    metadata = read_metadata(write_project(tmp_path / "p", files))
    assert [(c.key, len(c.files)) for c in metadata.components] == [
        (ComponentKey("UIBundle", "Portal"), 2)
    ]


def test_legacy_suffixes_are_written_with_the_current_one(tmp_path: Path) -> None:
    files = {"weblinks/Search.custompageweblink-meta.xml": xml("CustomPageWebLink")}
    convert(write_project(tmp_path / "p", files), tmp_path / "md", to="mdapi")
    assert sorted(p.name for p in (tmp_path / "md/weblinks").iterdir()) == ["Search.weblink"]
    assert ("CustomPageWebLink", "Search") in listed(tmp_path / "md/package.xml")
    archive = mdapi_zip(
        tmp_path / "legacy.zip", {"weblinks/Search.custompageweblink": xml("CustomPageWebLink")}
    )
    convert(archive, tmp_path / "src", to="source")
    written = tmp_path / "src" / PACKAGE / "weblinks"
    assert sorted(p.name for p in written.iterdir()) == ["Search.weblink-meta.xml"]


def _label(name: str, value: str) -> str:
    return (
        f"    <labels>\n        <fullName>{name}</fullName>\n"
        "        <language>en_US</language>\n        <protected>false</protected>\n"
        f"        <shortDescription>{name}</shortDescription>\n"
        f"        <value>{value}</value>\n    </labels>\n"
    )


def test_two_labels_files_make_one_labels_file_that_package_xml_names(tmp_path: Path) -> None:
    files = {
        "labels/CustomLabels.labels-meta.xml": xml(
            "CustomLabels", _label("Greeting", "Hello") + _label("Shared", "first")
        ),
        "labels/MoreLabels.labels-meta.xml": xml(
            "CustomLabels", _label("Farewell", "Bye") + _label("Shared", "second")
        ),
    }
    convert(write_project(tmp_path / "p", files), tmp_path / "md", to="mdapi")
    assert [p.name for p in (tmp_path / "md/labels").iterdir()] == ["CustomLabels.labels"]
    merged = (tmp_path / "md/labels/CustomLabels.labels").read_text()
    assert [line.strip() for line in merged.splitlines() if "<fullName>" in line] == [
        "<fullName>Farewell</fullName>",
        "<fullName>Greeting</fullName>",
        "<fullName>Shared</fullName>",
    ]
    assert "<value>first</value>" in merged and "second" not in merged
    assert listed(tmp_path / "md/package.xml") == {
        ("CustomLabel", "Farewell"),
        ("CustomLabel", "Greeting"),
        ("CustomLabel", "Shared"),
        ("CustomLabels", "CustomLabels"),
    }


def test_children_of_rule_files_are_listed_in_package_xml(tmp_path: Path) -> None:
    rule = "    <matchingRules>\n        <fullName>Same_Email</fullName>\n"
    rule += "        <label>Same email</label>\n    </matchingRules>\n"
    assignment = "    <assignmentRule>\n        <fullName>Standard</fullName>\n"
    assignment += "        <active>true</active>\n    </assignmentRule>\n"
    files = {
        "matchingRules/Contact.matchingRule-meta.xml": xml("MatchingRules", rule),
        "assignmentRules/Case.assignmentRules-meta.xml": xml("AssignmentRules", assignment),
    }
    convert(write_project(tmp_path / "p", files), tmp_path / "md", to="mdapi")
    assert listed(tmp_path / "md/package.xml") == {
        ("MatchingRules", "Contact"),
        ("MatchingRule", "Contact.Same_Email"),
        ("AssignmentRules", "Case"),
        ("AssignmentRule", "Case.Standard"),
    }


def test_pieces_of_a_digital_experience_are_listed_in_package_xml(tmp_path: Path) -> None:
    site = "digitalExperiences/site/Help1"
    files = {
        f"{site}/Help1.digitalExperience-meta.xml": xml("DigitalExperienceBundle"),
        f"{site}/sfdc_cms__view/home/content.json": b"{}\n",
        f"{site}/sfdc_cms__view/home/_meta.json": b"{}\n",
        f"{site}/sfdc_cms__view/home/mobile/mobile.json": b"{}\n",
        f"{site}/sfdc_cms__route/Home/content.json": b"{}\n",
    }
    convert(write_project(tmp_path / "p", files), tmp_path / "md", to="mdapi")
    assert listed(tmp_path / "md/package.xml") == {
        ("DigitalExperienceBundle", "site/Help1"),
        ("DigitalExperience", "site/Help1.sfdc_cms__route/Home"),
        ("DigitalExperience", "site/Help1.sfdc_cms__view/home"),
    }


def test_an_object_translation_split_over_package_folders_keeps_the_first_parent(
    tmp_path: Path,
) -> None:
    root = tmp_path / "p"
    config = {"packageDirectories": [{"path": "core", "default": True}, {"path": "app"}]}
    folder = "main/default/objectTranslations/Account-es"
    own = "Account-es.objectTranslation-meta.xml"
    case = "    <caseValues>\n        <plural>false</plural>\n        <value>{}</value>\n"
    case += "    </caseValues>\n"
    files = {
        f"core/{folder}/{own}": xml("CustomObjectTranslation", case.format("Cuenta")),
        f"core/{folder}/Industry.fieldTranslation-meta.xml": xml(
            "CustomFieldTranslation", "    <label>Sector</label>\n    <name>Industry</name>\n"
        ),
        f"app/{folder}/{own}": xml("CustomObjectTranslation", case.format("Cuentas")),
        f"app/{folder}/Rating__c.fieldTranslation-meta.xml": xml(
            "CustomFieldTranslation", "    <label>Nivel</label>\n    <name>Rating__c</name>\n"
        ),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "sfdx-project.json").write_text(json.dumps(config))
    metadata = read_metadata(root)
    [translation] = [c for c in metadata.components if c.type == "CustomObjectTranslation"]
    assert list(translation.files) == [f"core/{folder}/{own}", f"app/{folder}/{own}"]
    write_mdapi(metadata.components, tmp_path / "md")
    merged = (tmp_path / "md/objectTranslations/Account-es.objectTranslation").read_text()
    assert "<value>Cuenta</value>" in merged and "Cuentas" not in merged
    assert "<name>Industry</name>" in merged and "<name>Rating__c</name>" in merged
    back = tmp_path / "back"
    write_source(metadata.components, back)
    for rel, data in files.items():
        assert (back / rel).read_bytes() == data


def test_a_component_in_two_package_folders_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "p"
    config = {"packageDirectories": [{"path": "core"}, {"path": "app"}]}
    (root).mkdir()
    (root / "sfdx-project.json").write_text(json.dumps(config))
    for package in ("core", "app"):
        classes = root / package / "classes"
        classes.mkdir(parents=True)
        (classes / "Twice.cls").write_bytes(CLASS)
        (classes / "Twice.cls-meta.xml").write_bytes(CLASS_META)
    with pytest.raises(InvalidMetadata, match="ApexClass:Twice is also in core/classes/Twice"):
        read_metadata(root)


def test_forceignore_is_found_up_to_the_project_root(tmp_path: Path) -> None:
    files = {
        "lwc/card/card.js": b"export default class Card {}\n",
        "lwc/card/card.js-meta.xml": xml("LightningComponentBundle"),
        "lwc/card/__tests__/card.test.js": b"it('works', () => {});\n",
    }
    project = write_project(tmp_path / "p", files)
    (project / ".forceignore").write_text("**/__tests__/**\n")
    sub = project / PACKAGE
    report = convert(sub, tmp_path / "out", to="mdapi")
    assert sorted(p.name for p in (tmp_path / "out/lwc/card").iterdir()) == [
        "card.js",
        "card.js-meta.xml",
    ]
    assert report.skipped == []


def test_forceignore_beyond_the_project_root_is_not_used(tmp_path: Path) -> None:
    (tmp_path / ".forceignore").write_text("**/classes/**\n")
    files = {"classes/A.cls": CLASS, "classes/A.cls-meta.xml": CLASS_META}
    project = write_project(tmp_path / "p", files)
    assert keys(project / PACKAGE) == {ComponentKey("ApexClass", "A")}
