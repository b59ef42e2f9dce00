"""Dependency analysis end to end on real Salesforce projects (docs/model.md, "Change sets"
and "Validation and deployment"; ADR 0005).

Flow, as users would run it: production ``Empty`` (nothing in it), sandbox ``Dev`` from it,
the whole project imported into ``Dev`` (sandboxes allow direct changes), ``Empty`` allows
inbound changes from ``Dev``, a change set in ``Dev`` is uploaded and validated in ``Empty``.
Expected references are computed independently of the extractors (text search over the
project's files) or were checked by hand in the files, as noted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli_results import Invoke, data, ok

#: Corpus -> the folder to import (Volunteers is a Metadata API folder under ``src``).
PROJECTS = {
    "dreamhouse-lwc": "",
    "lwc-recipes": "",
    "apex-recipes": "",
    "ebikes-lwc": "",
    "Volunteers-for-Salesforce": "src",
    "EDA": "",
}


def project(corpus, name: str) -> Path:  # type: ignore[no-untyped-def]
    root = corpus(name)
    return root / PROJECTS[name] if PROJECTS[name] else root


def load(cw: Invoke, path: Path) -> dict[str, list[str]]:
    """Empty production, sandbox Dev holding ``path``, Empty accepting Dev's change sets.

    Returns Dev's components (``TYPE:NAME``) with their file paths.
    """
    ok(cw("org", "create", "Empty"))
    ok(cw("sandbox", "create", "Dev", "--from", "Empty", "--type", "developer"))
    ok(cw("metadata", "import", "Dev", str(path)))
    ok(cw("connection", "allow", "Empty", "--from", "Dev"))
    ok(cw("org", "set", "Empty", "--allow-direct-changes", "false"))
    rows = data(cw("metadata", "list", "Dev", "--json"))
    return {f"{r['type']}:{r['name']}": [f["path"] for f in r["files"]] for r in rows}


def change_set(cw: Invoke, name: str, components: list[str]) -> None:
    ok(cw("changeset", "create", "Dev", name))
    ok(cw("changeset", "add", "Dev", name, *components))


def validate(cw: Invoke, name: str) -> tuple[int, dict[str, Any]]:
    """Upload change set ``name`` from Dev to Empty and validate it (run_local_tests)."""
    ok(cw("changeset", "upload", "Dev", name, "--to", "Empty"))
    result = cw("inbound", "validate", "Empty", name, "--test-level", "run_local_tests", "--json")
    return result.exit_code, json.loads(result.stdout)


def failed(validation: dict[str, Any]) -> dict[str, str]:
    return {
        f"{c['type']}:{c['name']}": c["problem"]
        for c in validation["components"]
        if c["result"] == "failed"
    }


_USER = re.compile(r"(?:needed by|still used by|; )\s*([A-Za-z]+:[^ ]+(?: [^(;]+?)?) \(")


def named_users(problem: str) -> tuple[set[str], int]:
    """The referencing components a problem names, and how many more it says there are."""
    more = re.search(r" and (\d+) more$", problem)
    return set(_USER.findall(problem)), int(more.group(1)) if more else 0


def users_by_text(
    root: Path, files: dict[str, list[str]], pattern: str, exclude: set[str]
) -> set[str]:
    """Components (outside ``exclude``) whose files mention ``pattern``: an independent
    estimate of who references something, without the extractors."""
    regex = re.compile(pattern)
    found = set()
    for key, paths in files.items():
        if key in exclude:
            continue
        for rel in paths:
            path = root / rel
            if path.is_file() and regex.search(path.read_text("utf-8", "replace")):
                found.add(key)
    return found


# --- whole projects: no false alarms ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_whole_project_into_an_empty_org_reports_no_missing_dependency(
    cw: Invoke, corpus, name: str
) -> None:  # type: ignore[no-untyped-def]
    files = load(cw, project(corpus, name))
    types = sorted({k.split(":", 1)[0] for k in files})
    change_set(cw, "All", [f"{t}:*" for t in types])
    assert len(data(cw("changeset", "show", "Dev", "All", "--json"))["components"]) == len(files)
    code, validation = validate(cw, "All")
    assert failed(validation) == {}
    assert (code, validation["status"], validation["error"]) == (0, "succeeded", None)
    assert validation["test_results"]["status"] == "not_run"
    assert "no test runner configured" in validation["test_results"]["message"]
    assert data(cw("metadata", "list", "Empty", "--json")) == []  # a validation changes nothing


# --- holding components back names exactly who breaks --------------------------------------


DREAMHOUSE_BROKER_USERS = {
    # checked by hand in dreamhouse-lwc: files outside objects/Broker__c that name the object
    "ApexClass:SampleDataController",  # SOQL FROM Broker__c
    "ApexClass:TestSampleDataController",  # SOQL FROM Broker__c
    "CompactLayout:Broker__c.Broker_Compact",  # objects/Broker__c/compactLayouts
    "CustomApplication:Dreamhouse",  # action override of Broker__c
    "CustomField:Property__c.Broker__c",  # lookup: <referenceTo>Broker__c
    "CustomTab:Broker__c",  # tab of the object
    "FlexiPage:Broker_Record_Page",  # <sobjectType>Broker__c
    "Layout:Broker__c-Broker Layout",  # a layout of the object needs it
    "LightningComponentBundle:brokerCard",  # @salesforce/schema/Broker__c.Name
    "ListView:Broker__c.All",  # objects/Broker__c/listViews
    "PermissionSet:dreamhouse",  # objectPermissions Broker__c
}


def test_holding_back_an_apex_class_used_by_lwc_names_exactly_its_users(cw: Invoke, corpus) -> None:  # type: ignore[no-untyped-def]
    root = corpus("dreamhouse-lwc")
    files = load(cw, root)
    held = "ApexClass:PropertyController"
    expected = users_by_text(root, files, r"\bPropertyController\b", {held})
    assert expected == {
        "ApexClass:TestPropertyController",
        "LightningComponentBundle:propertyCarousel",
        "LightningComponentBundle:propertyListMap",
        "LightningComponentBundle:propertyTileList",
        "PermissionSet:dreamhouse",
    }
    change_set(cw, "Part", [k for k in files if k != held])

    needs = data(cw("changeset", "deps", "Dev", "Part", "--target", "Empty", "--json"))
    assert {(n["type"], n["name"], n["in_source"]) for n in needs} == {
        ("ApexClass", "PropertyController", True)
    }
    assert all(n["reason"] and n["file"] for n in needs)

    code, validation = validate(cw, "Part")
    assert (code, validation["status"]) == (1, "failed")
    problems = failed(validation)
    assert list(problems) == [held]
    assert problems[held].startswith("missing dependency: needed by ")
    assert named_users(problems[held]) == (expected, 0)
    assert data(cw("metadata", "list", "Empty", "--json")) == []

    used = data(cw("metadata", "where-used", "Dev", "ApexClass", "PropertyController", "--json"))
    assert {f"{u['type']}:{u['name']}" for u in used} == expected
    lwc = [u for u in used if u["name"] == "propertyCarousel"]
    assert lwc[0]["file"] == "force-app/main/default/lwc/propertyCarousel/propertyCarousel.js"
    assert lwc[0]["line"] == 5
    shown = ok(cw("metadata", "where-used", "Dev", "ApexClass", "PropertyController")).stdout
    assert "Where ApexClass:PropertyController is used" in shown
    unused = ok(cw("metadata", "where-used", "Dev", "ApexClass", "TestPropertyController")).stdout
    assert "ApexClass:TestPropertyController is not used by anything in Dev" in unused


def test_holding_back_a_custom_object_with_its_fields_then_adding_dependencies(
    cw: Invoke, corpus
) -> None:  # type: ignore[no-untyped-def]
    files = load(cw, corpus("dreamhouse-lwc"))
    fields = {k for k in files if k.startswith("CustomField:Broker__c.")}
    held = {"CustomObject:Broker__c", *fields}
    assert len(fields) == 7
    change_set(cw, "Part", [k for k in files if k not in held])
    code, validation = validate(cw, "Part")
    assert (code, validation["status"]) == (1, "failed")
    problems = failed(validation)
    # every field is used (layout, compact layout, record page or permission set) and the object
    assert set(problems) == held
    shown, more = named_users(problems["CustomObject:Broker__c"])
    outside = DREAMHOUSE_BROKER_USERS
    assert shown <= outside and len(shown) + more == len(outside)
    email_users, email_more = named_users(problems["CustomField:Broker__c.Email__c"])
    assert (email_users, email_more) == (
        {
            "CompactLayout:Broker__c.Broker_Compact",
            "FlexiPage:Broker_Record_Page",
            "Layout:Broker__c-Broker Layout",
            "LightningComponentBundle:brokerCard",
            "PermissionSet:dreamhouse",
        },
        0,
    )
    used = data(cw("metadata", "where-used", "Dev", "CustomObject", "Broker__c", "--json"))
    assert {f"{u['type']}:{u['name']}" for u in used} - held == outside

    # `deps --target` lists what is missing, with reasons; `--add` adds it; validation passes
    ok(cw("changeset", "clone", "Dev", "Part", "Part2"))
    needs = data(cw("changeset", "deps", "Dev", "Part2", "--target", "Empty", "--json"))
    assert {f"{n['type']}:{n['name']}" for n in needs} == held
    assert all(n["in_source"] and n["reason"] for n in needs)
    table = " ".join(
        ok(cw("changeset", "deps", "Dev", "Part2", "--target", "Empty")).stdout.split()
    )
    assert "Broker__c" in table and "yes" in table
    added = data(cw("changeset", "deps", "Dev", "Part2", "--target", "Empty", "--add", "--json"))
    assert {f"{n['type']}:{n['name']}" for n in added} == held
    assert data(cw("changeset", "deps", "Dev", "Part2", "--target", "Empty", "--json")) == []
    code, validation = validate(cw, "Part2")
    assert (code, validation["status"], failed(validation)) == (0, "succeeded", {})


def test_deps_add_follows_dependencies_transitively(cw: Invoke, corpus) -> None:  # type: ignore[no-untyped-def]
    files = load(cw, corpus("dreamhouse-lwc"))
    change_set(cw, "One", ["LightningComponentBundle:propertyTileList"])
    code, validation = validate(cw, "One")
    assert code == 1 and "ApexClass:PropertyController" in failed(validation)
    ok(cw("changeset", "clone", "Dev", "One", "Two"))
    added = data(cw("changeset", "deps", "Dev", "Two", "--target", "Empty", "--add", "--json"))
    why = {f"{n['type']}:{n['name']}": n["referenced_by"]["name"] for n in added}
    # checked by hand in the files: the LWC's template and imports, PropertyController's
    # return type and SOQL, errorPanel's import, Property__c's compact layout assignment
    fields = ["Address", "Baths", "Beds", "City", "Description", "Price", "State", "Tags"]
    assert why == {
        "ApexClass:PropertyController": "propertyTileList",
        "LightningComponentBundle:errorPanel": "propertyTileList",
        "LightningComponentBundle:paginator": "propertyTileList",
        "LightningComponentBundle:propertyTile": "propertyTileList",
        "LightningMessageChannel:FiltersChange": "propertyTileList",
        "LightningMessageChannel:PropertySelected": "propertyTileList",
        "ApexClass:PagedResult": "PropertyController",
        "CustomObject:Property__c": "PropertyController",
        **{f"CustomField:Property__c.{f}__c": "PropertyController" for f in fields},
        "CustomField:Property__c.Thumbnail__c": "PropertyController",
        "LightningComponentBundle:ldsUtils": "errorPanel",
        "CompactLayout:Property__c.Property_Compact_Layout": "Property__c",
    }
    assert set(why) <= set(files)
    listed = data(cw("changeset", "show", "Dev", "Two", "--json"))["components"]
    assert len(listed) == len(why) + 1
    code, validation = validate(cw, "Two")
    assert (code, validation["status"], failed(validation)) == (0, "succeeded", {})


def test_holding_back_custom_labels_names_every_used_label(cw: Invoke, corpus) -> None:  # type: ignore[no-untyped-def]
    root = project(corpus, "Volunteers-for-Salesforce")
    files = load(cw, root)
    labels_file = (root / "labels" / "CustomLabels.labels").read_text("utf-8")
    defined = {n.lower(): n for n in re.findall(r"<fullName>(\w+)</fullName>", labels_file)}
    used: set[str] = set()
    for path in root.rglob("*"):
        if path.is_file() and "labels" not in path.parts:
            for name in re.findall(r"(?i)\blabel\.(\w+)", path.read_text("utf-8", "replace")):
                if name.lower() in defined:
                    used.add(defined[name.lower()])
    assert len(used) > 100
    held = "CustomLabels:CustomLabels"
    change_set(cw, "Part", [k for k in files if k != held])
    code, validation = validate(cw, "Part")
    assert (code, validation["status"]) == (1, "failed")
    problems = failed(validation)
    assert set(problems) == {f"CustomLabel:{n}" for n in used}
    # checked by hand: VolunteersCampaignWizard.page, line 31: $Label.labelVolunteersWizardTitle
    title = problems["CustomLabel:labelVolunteersWizardTitle"]
    assert named_users(title) == ({"ApexPage:VolunteersCampaignWizard"}, 0)
    assert "pages/VolunteersCampaignWizard.page:31" in title


def test_deleting_a_component_still_used_in_the_target_is_refused_naming_the_users(
    cw: Invoke, corpus
) -> None:  # type: ignore[no-untyped-def]
    root = corpus("dreamhouse-lwc")
    files = load(cw, root)
    types = sorted({k.split(":", 1)[0] for k in files})
    change_set(cw, "All", [f"{t}:*" for t in types])
    ok(cw("changeset", "upload", "Dev", "All", "--to", "Empty"))
    ok(cw("inbound", "deploy", "Empty", "All", "--test-level", "run_local_tests"))
    head = data(cw("metadata", "history", "Empty", "--json"))
    ok(cw("changeset", "create", "Dev", "Drop"))
    ok(cw("changeset", "add", "Dev", "Drop", "--delete", "ApexClass:PropertyController"))
    code, validation = validate(cw, "Drop")
    assert (code, validation["status"]) == (1, "failed")
    problems = failed(validation)
    assert list(problems) == ["ApexClass:PropertyController"]
    assert problems["ApexClass:PropertyController"].startswith("cannot delete: still used by ")
    expected = users_by_text(
        root, files, r"\bPropertyController\b", {"ApexClass:PropertyController"}
    )
    assert named_users(problems["ApexClass:PropertyController"]) == (expected, 0)
    deploy = cw("inbound", "deploy", "Empty", "Drop", "--test-level", "run_local_tests")
    assert deploy.exit_code == 1
    assert data(cw("metadata", "history", "Empty", "--json")) == head
