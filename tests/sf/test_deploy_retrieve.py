"""`sf project deploy` and `sf project retrieve` against changeway orgs (docs/model.md,
"Salesforce's tools"): the dreamhouse corpus deployed, changed and retrieved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from changeway.adapters import formats
from tests.sf.conftest import Run, Served


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _ok(run: Run) -> dict[str, Any]:
    assert run.code == 0, run.out[-3000:] + run.err[-3000:]
    return dict(run.json["result"])


def _canonical(data: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


def test_deploy_dreamhouse_change_one_class_and_retrieve_it_back(
    served: Served,
    corpus,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    org = served.sandbox("Dh")
    source = served.project(tmp_path / "dreamhouse", corpus("dreamhouse-lwc"))
    expected = {str(c.key) for c in formats.read_metadata(source).components}

    deployed = _ok(served.deploy(org, source))
    assert deployed["status"] == "Succeeded" and deployed["success"] is True
    assert served.components("Dh") == expected
    assert deployed["numberComponentsDeployed"] == len(expected)

    changed_class = source / "force-app/main/default/classes/PagedResult.cls"
    changed_class.write_text(changed_class.read_text() + "\n// changed\n")
    again = _ok(served.deploy(org, source))
    successes = again["details"]["componentSuccesses"]
    assert [
        (c["componentType"], c["fullName"])
        for c in successes
        if c["changed"] == "true" or (c["changed"] is True and c["fullName"] != "package.xml")
    ] == [("ApexClass", "PagedResult")]
    assert not [c for c in successes if c["created"] in (True, "true")]
    history = served.cw.ok("deployment", "list", "Dh", "--json").json
    assert [d["status"] for d in history] == ["succeeded", "succeeded"]

    manifest = tmp_path / "manifest"
    served.sf.ok(
        "project",
        "generate",
        "manifest",
        "--source-dir",
        "force-app",
        "--output-dir",
        str(manifest),
        cwd=source,
    )
    empty = served.project(tmp_path / "empty")
    (empty / "sfdx-project.json").write_bytes((source / "sfdx-project.json").read_bytes())
    served.sf.ok(
        "project",
        "retrieve",
        "start",
        "--manifest",
        str(manifest / "package.xml"),
        "--target-org",
        org,
        "--json",
        cwd=empty,
    )
    got = _files(empty / "force-app")
    want = {
        k: v
        for k, v in _files(source / "force-app").items()
        if "__tests__" not in k and not k.startswith("test/")
    }
    assert sorted(got) == sorted(want)
    # The client rewrites decomposed object files in its own XML style (as it does for
    # Salesforce); every other file comes back byte for byte.
    rewritten = {k for k in want if "/objects/" in k}
    assert {k: got[k] for k in want if k not in rewritten} == {
        k: want[k] for k in want if k not in rewritten
    }
    assert {k: _canonical(got[k]) for k in rewritten} == {k: _canonical(want[k]) for k in rewritten}

    listed = served.sf.ok(
        "org", "list", "metadata", "--metadata-type", "ApexClass", "--target-org", org, "--json"
    ).json["result"]
    classes = sorted(k.split(":", 1)[1] for k in expected if k.startswith("ApexClass:"))
    assert sorted(c["fullName"] for c in listed) == classes
    assert {c["lastModifiedByName"] for c in listed} == {"ops"}
