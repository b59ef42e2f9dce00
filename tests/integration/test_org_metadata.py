"""Org metadata end to end on SQLite and PostgreSQL (docs/model.md, "Orgs and families",
"Metadata and versions").

Orgs are loaded from real Salesforce projects through the `changeway` commands (run against
the test's store), and the test checks what users see: listings, history, exports, compares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from changeway.bootstrap import App
from changeway.domain.clock import FixedClock
from changeway.services import metadata
from tests.cli_results import Invoke, data, ok
from tests.helpers import user
from tests.helpers_metadata import META

DEFAULT = "force-app/main/default"
CLASSES = f"{DEFAULT}/classes"


def text(result: Result) -> str:
    return " ".join(result.stdout.split())


def keys(rows: list[dict[str, Any]]) -> set[str]:
    return {f"{r['type']}:{r['name']}" for r in rows}


def history(cw: Invoke, org: str) -> list[dict[str, Any]]:
    return data(cw("metadata", "history", org, "--json"))


def listing(cw: Invoke, org: str) -> set[str]:
    return keys(data(cw("metadata", "list", org, "--json")))


def write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def small_project(root: Path, classes: dict[str, str]) -> Path:
    files = {"sfdx-project.json": b'{"packageDirectories": [{"path": "force-app"}]}'}
    for name, body in classes.items():
        files[f"{CLASSES}/{name}.cls"] = body.encode()
        files[f"{CLASSES}/{name}.cls-meta.xml"] = META
    return write(root, files)


def forceignored(rel: str, patterns: list[str]) -> bool:
    """A small, independent reading of the corpora's .forceignore patterns."""
    parts = rel.split("/")
    for p in patterns:
        if p.startswith("**/") and p.endswith("/**"):
            if p[3:-3] in parts[:-1]:
                return True
        elif p.startswith("**/*."):
            if rel.endswith(p[4:]):
                return True
        elif p.startswith("**/"):
            if p[3:] in parts:
                return True
        elif rel == p or parts[-1] == p:
            return True
    return False


def tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def row_counts(app: App) -> tuple[int, int]:
    with app.engine.connect() as conn:
        nodes = conn.execute(sa.text("SELECT count(*) FROM tree_nodes")).scalar_one()
        blobs = conn.execute(sa.text("SELECT count(*) FROM blobs")).scalar_one()
    return nodes, blobs


# --- loading a production, direct changes ----------------------------------------------------


def test_org_create_from_a_corpus_loads_every_component(cw: Invoke, corpus) -> None:  # type: ignore[no-untyped-def]
    repo = corpus("dreamhouse-lwc")
    assert "created production org Prod" in text(
        ok(cw("org", "create", "Prod", "--from", str(repo)))
    )
    rows = data(cw("metadata", "list", "Prod", "--json"))
    assert all(set(r) >= {"type", "name", "files"} for r in rows)
    found = keys(rows)
    assert {
        "ApexClass:PropertyController",
        "CustomObject:Property__c",
        "CustomField:Property__c.Price__c",
        "LightningComponentBundle:propertyTile",
        "CustomObject:Broker__c",
    } <= found
    # .forceignore'd content (profiles, __tests__) is not loaded
    assert not [k for k in found if k.startswith("Profile:")]
    assert not [f for r in rows for f in r["files"] if "__tests__" in f["path"]]
    (v1,) = history(cw, "Prod")
    assert (v1["number"], v1["author"], v1["parent_id"]) == (1, "alice", None)
    assert "dreamhouse-lwc" in v1["reason"]
    assert v1["components"] == len(rows)


def test_production_refuses_direct_imports_until_allowed_and_says_how(
    cw: Invoke, corpus, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ok(cw("org", "create", "Prod", "--from", str(corpus("dreamhouse-lwc"))))
    change = small_project(tmp_path / "p", {"NewOne": "public class NewOne { }\n"})
    before = (history(cw, "Prod"), listing(cw, "Prod"))
    refused = cw("metadata", "import", "Prod", str(change))
    assert refused.exit_code == 1 and refused.stdout == ""
    message = " ".join(refused.stderr.split())
    assert "Prod refuses direct metadata changes" in message
    assert "changeway org set Prod --allow-direct-changes true" in message
    assert (history(cw, "Prod"), listing(cw, "Prod")) == before

    ok(cw("org", "set", "Prod", "--allow-direct-changes", "true"))
    assert data(cw("metadata", "import", "Prod", str(change), "--json"))["added"] == [
        {"type": "ApexClass", "name": "NewOne"}
    ]
    assert [v["number"] for v in history(cw, "Prod")] == [1, 2]
    ok(cw("org", "set", "Prod", "--allow-direct-changes", "false"))
    assert cw("metadata", "import", "Prod", str(change)).exit_code == 1


def test_sandbox_allows_direct_imports(cw: Invoke, tmp_path: Path) -> None:
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    change = small_project(tmp_path / "p", {"A": "public class A { }\n"})
    out = text(ok(cw("metadata", "import", "Dev", str(change))))
    assert "Dev is now at version 2: 1 added, 0 changed, 0 deleted" in out
    assert listing(cw, "Dev") == {"ApexClass:A"}
    assert listing(cw, "Prod") == set()


def test_import_merges_by_default_and_replace_makes_the_org_exactly_the_input(
    cw: Invoke, corpus, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ok(cw("org", "create", "Prod", "--from", str(corpus("dreamhouse-lwc"))))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    loaded = listing(cw, "Dev")
    change = small_project(
        tmp_path / "p",
        {
            "PropertyController": "public class PropertyController { /* new */ }\n",
            "Extra": "public class Extra { }\n",
        },
    )
    merged = data(cw("metadata", "import", "Dev", str(change), "--json"))
    assert merged["version"] == 2
    assert merged["added"] == [{"type": "ApexClass", "name": "Extra"}]
    assert merged["changed"] == [{"type": "ApexClass", "name": "PropertyController"}]
    assert merged["deleted"] == []
    assert listing(cw, "Dev") == loaded | {"ApexClass:Extra"}

    again = data(cw("metadata", "import", "Dev", str(change), "--json"))
    assert again["version"] is None  # nothing changed: no new version
    assert text(ok(cw("metadata", "import", "Dev", str(change)))) == "Dev: nothing changed"

    replaced = data(cw("metadata", "import", "Dev", str(change), "--replace", "--json"))
    assert replaced["version"] == 3
    assert (replaced["added"], replaced["changed"]) == ([], [])
    assert keys(replaced["deleted"]) == loaded - {"ApexClass:PropertyController"}
    assert listing(cw, "Dev") == {"ApexClass:Extra", "ApexClass:PropertyController"}
    shown = data(cw("metadata", "show", "Dev", "ApexClass", "PropertyController", "--json"))
    assert {f["path"]: f["content"] for f in shown["files"]}[
        f"{CLASSES}/PropertyController.cls"
    ] == "public class PropertyController { /* new */ }\n"
    assert listing(cw, "Prod") == loaded  # the production is untouched


def test_replacing_by_an_empty_folder_needs_allow_empty_and_says_how_many(
    cw: Invoke, tmp_path: Path
) -> None:
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    two = small_project(tmp_path / "two", {"A": "public class A { }\n", "B": "class B { }\n"})
    ok(cw("metadata", "import", "Dev", str(two)))
    empty = small_project(tmp_path / "empty", {})
    (empty / "force-app").mkdir(exist_ok=True)
    before = history(cw, "Dev")
    refused = cw("metadata", "import", "Dev", str(empty), "--replace")
    assert refused.exit_code == 1
    said = " ".join(refused.stderr.split())
    assert "the input holds no components: replacing would delete all 2 components of Dev" in said
    assert "hint: --allow-empty" in said
    assert history(cw, "Dev") == before
    emptied = data(
        cw("metadata", "import", "Dev", str(empty), "--replace", "--allow-empty", "--json")
    )
    assert keys(emptied["deleted"]) == {"ApexClass:A", "ApexClass:B"}
    assert listing(cw, "Dev") == set()


def test_each_change_makes_a_version_with_parent_author_reason_and_time(
    cw: Invoke, app: App, tmp_path: Path
) -> None:
    clock = app.clock
    assert isinstance(clock, FixedClock)
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    clock.advance(hours=1)
    first = small_project(tmp_path / "a", {"A": "public class A { }\n"})
    for name in ("bob", "carol"):
        ok(cw("user", "create", name))
        ok(cw("user", "grant", name, "Dev", "view_setup", "modify_metadata"))
    ok(cw("metadata", "import", "Dev", str(first), "-m", "first class", actor="bob"))
    clock.advance(hours=1)
    second = small_project(tmp_path / "b", {"A": "public class A { /* 2 */ }\n"})
    ok(cw("metadata", "import", "Dev", str(second), actor="carol"))
    versions = history(cw, "Dev")
    assert [v["number"] for v in versions] == [1, 2, 3]
    assert [v["author"] for v in versions[1:]] == ["bob", "carol"]
    assert [v["reason"] for v in versions[1:]] == ["first class", "import of b"]
    assert versions[1]["parent_id"] == versions[0]["id"]
    assert versions[2]["parent_id"] == versions[1]["id"]
    assert [v["created_at"][:19] for v in versions[1:]] == [
        "2026-01-05T10:00:00",
        "2026-01-05T11:00:00",
    ]
    assert [v["kind"] for v in versions[1:]] == ["import", "import"]
    shown = text(ok(cw("metadata", "history", "Dev")))
    assert "first class" in shown and "carol" in shown
    # Any version stays readable: ORG@N
    old = data(cw("metadata", "show", "Dev@2", "ApexClass", "A", "--json"))
    assert "public class A { }\n" in [f["content"] for f in old["files"]]


# --- sandbox copies share metadata -----------------------------------------------------------


def test_a_sandbox_copy_shares_its_sources_metadata_and_adds_no_content_rows(
    cw: Invoke, app: App, corpus
) -> None:  # type: ignore[no-untyped-def]
    ok(cw("org", "create", "Prod", "--from", str(corpus("lwc-recipes"))))
    before = row_counts(app)
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    ok(cw("sandbox", "create", "Clone", "--from", "Dev", "--type", "developer"))
    assert row_counts(app) == before  # nothing copied, whatever the org's size
    roots = {
        o: metadata.history(app, actor=user(app), org=o).items[0].root
        for o in ("Prod", "Dev", "Clone")
    }
    assert roots["Dev"] == roots["Prod"] == roots["Clone"]
    same = data(cw("compare", "Prod", "Dev", "--json"))
    assert (same["added"], same["changed"], same["deleted"]) == ([], [], [])
    assert same["identical"] == len(listing(cw, "Prod")) > 200


# --- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dreamhouse-lwc", "lwc-recipes", "apex-recipes"])
def test_export_source_gives_back_every_non_ignored_file_byte_for_byte(
    cw: Invoke, corpus, tmp_path: Path, name: str
) -> None:  # type: ignore[no-untyped-def]
    repo = corpus(name)
    ok(cw("org", "create", "Prod"))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    imported = data(cw("metadata", "import", "Dev", str(repo), "--json"))
    out = tmp_path / "out"
    said = text(ok(cw("metadata", "export", "Dev", str(out), "--format", "source")))
    assert said.startswith("wrote ") and "Dev@2" in said
    patterns = [
        line.strip()
        for line in (repo / ".forceignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    expected = {
        f"force-app/{rel}": content
        for rel, content in tree_files(repo / "force-app").items()
        if not forceignored(f"force-app/{rel}", patterns)
    }
    exported = tree_files(out)
    project = json.loads(exported.pop("sfdx-project.json"))
    assert [d["path"] for d in project["packageDirectories"]] == ["force-app"]
    # Files that belong to no component (jest mocks, ...) are not metadata: the import names
    # them instead of dropping them silently; every other file comes back byte for byte.
    skipped = imported["skipped"]
    assert all(p in expected for p in skipped)
    assert not [p for p in skipped if "/main/default/" in p and "/lwc/" not in p]
    assert sorted(exported) == sorted(set(expected) - set(skipped))
    assert [rel for rel, content in exported.items() if expected[rel] != content] == []
    warned = cw("metadata", "import", "Dev", str(repo))
    if skipped:
        assert "were not imported: " + skipped[0] in " ".join(warned.stderr.split())


def test_export_mdapi_writes_a_package_and_a_manifest_filters_it(
    cw: Invoke, corpus, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    repo = corpus("dreamhouse-lwc")
    ok(cw("org", "create", "Prod", "--from", str(repo)))
    out = tmp_path / "mdapi"
    ok(cw("metadata", "export", "Prod", str(out), "--format", "mdapi"))
    package = (out / "package.xml").read_text()
    assert (
        "<name>ApexClass</name>" in package and "<members>PropertyController</members>" in package
    )
    assert (out / "objects" / "Property__c.object").is_file()
    assert (out / "classes" / "PropertyController.cls").read_bytes() == (
        repo / CLASSES / "PropertyController.cls"
    ).read_bytes()
    # what was exported loads back to the same components
    ok(cw("org", "create", "Copy", "--from", str(out)))
    assert listing(cw, "Copy") == listing(cw, "Prod")

    manifest = write(
        tmp_path / "m",
        {
            "package.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            b"<types><members>PropertyController</members><name>ApexClass</name></types>\n"
            b"<types><members>*</members><name>CustomObject</name></types>\n"
            b"<version>62.0</version>\n</Package>\n"
        },
    )
    some = tmp_path / "some"
    ok(
        cw(
            "metadata", "export", "Prod", str(some), "--format", "mdapi",
            "--manifest", str(manifest / "package.xml"),
        )
    )  # fmt: skip
    folders = sorted(p.name for p in some.iterdir())
    assert folders == ["classes", "objects", "package.xml"]
    assert sorted(p.name for p in (some / "classes").iterdir()) == [
        "PropertyController.cls",
        "PropertyController.cls-meta.xml",
    ]
    assert sorted(p.name for p in (some / "objects").iterdir()) == [
        "Broker__c.object",
        "Property__c.object",
    ]
    zipped = tmp_path / "out.zip"
    ok(cw("metadata", "export", "Prod", str(zipped), "--format", "mdapi", "--zip"))
    assert zipped.is_file() and zipped.read_bytes()[:2] == b"PK"


# --- compare ----------------------------------------------------------------------------------


def test_compare_versions_of_one_org_and_of_two_orgs(cw: Invoke, corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ok(cw("org", "create", "Prod", "--from", str(corpus("dreamhouse-lwc"))))
    ok(cw("sandbox", "create", "Dev", "--from", "Prod", "--type", "developer"))
    total = len(listing(cw, "Prod"))
    repo = corpus("dreamhouse-lwc")
    old = (repo / CLASSES / "PropertyController.cls").read_text()
    new = old.replace("public with sharing class", "public without sharing class", 1)
    assert new != old
    change = small_project(tmp_path / "p", {"PropertyController": new, "Extra": "class E {}\n"})
    ok(cw("metadata", "import", "Dev", str(change)))
    empty = small_project(tmp_path / "q", {})
    (empty / "force-app").mkdir()
    ok(cw("metadata", "import", "Dev", str(empty), "--replace", "--allow-empty"))
    # Dev@3 is empty; compare Dev@1 -> Dev@2 (same org) and Prod -> Dev@2 (two orgs)
    for a, b in (("Dev@1", "Dev@2"), ("Prod", "Dev@2")):
        result = data(cw("compare", a, b, "--json"))
        assert result["added"] == [{"type": "ApexClass", "name": "Extra"}]
        assert result["changed"] == [{"type": "ApexClass", "name": "PropertyController"}]
        assert result["deleted"] == []
        assert result["identical"] == total - 1
    gone = data(cw("compare", "Dev@2", "Dev", "--json"))
    assert (gone["added"], gone["changed"], gone["identical"]) == ([], [], 0)
    assert len(gone["deleted"]) == total + 1

    diffed = data(cw("compare", "Prod", "Dev@2", "--json", "--diff"))
    (changed,) = diffed["changed"]
    files = {f["path"]: f for f in changed["files"]}
    # the class body changed, and its meta file (this project's apiVersion differs)
    assert sorted(files) == [
        f"{CLASSES}/PropertyController.cls",
        f"{CLASSES}/PropertyController.cls-meta.xml",
    ]
    f = files[f"{CLASSES}/PropertyController.cls"]
    assert f["status"] == "changed"
    assert f"--- Prod@1/{CLASSES}/PropertyController.cls" in f["diff"]
    assert f"+++ Dev@2/{CLASSES}/PropertyController.cls" in f["diff"]
    assert "-public with sharing class PropertyController" in f["diff"]
    assert "+public without sharing class PropertyController" in f["diff"]
    shown = ok(cw("compare", "Prod", "Dev@2", "--diff")).stdout
    assert "+public without sharing class PropertyController" in shown
    assert "1 added, 1 changed, 0 deleted" in " ".join(shown.split())
