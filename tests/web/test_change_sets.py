"""Outbound and inbound change sets and deployments through the pages, on both stores: the
picker, dependencies, uploads only along authorized paths, preview diffs, deploy, rollback,
and who may not deploy (docs/model.md, "Change sets", "Web UI")."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from changeway.bootstrap import App
from changeway.domain.clock import FixedClock
from changeway.domain.permissions import Permission
from changeway.services.users import set_password
from tests.helpers import run_jobs, snapshot, user
from tests.helpers_metadata import apex, contents, key, put
from tests.web.conftest import PASSWORD, log_in

DEV = "/orgs/Dev/outbound-change-sets"


@pytest.fixture
def changed(family: App) -> App:
    """Dev holds a new class Service that uses a new class Helper."""
    put(family, "Dev", [apex("Helper"), apex("Service", "public class Service { Helper h; }")])
    return family


def texts_of(page: str, xpath: str) -> list[str]:
    """The text of each element ``xpath`` finds, its parts joined by single spaces."""
    found = lxml_html.fromstring(page).xpath(xpath)
    return [" ".join(" ".join(e.itertext()).split()) for e in found]


def build_release(client: TestClient, csrf: str) -> None:
    """Release1 in Dev holding Service, picked through the picker."""
    created = client.post(DEV, data={"csrf_token": csrf, "name": "Release1"})
    assert created.headers["location"] == f"{DEV}/Release1"
    picker = client.get(f"{DEV}/Release1/add?type=ApexClass&q=serv")
    assert texts_of(picker.text, "//tbody/tr/td[3]") == ["Service"]
    added = client.post(
        f"{DEV}/Release1/add", data={"csrf_token": csrf, "component": "ApexClass:Service"}
    )
    assert added.status_code == 303


def test_the_picker_shows_when_and_by_whom_each_component_last_changed(
    changed: App, client: TestClient, clock: FixedClock
) -> None:
    """Each row gives the time of the version that last changed the component, not the
    time the org was created or the change set was opened."""
    clock.advance(days=2)
    put(changed, "Dev", [apex("Helper", "public class Helper { Integer n; }")], reason="edit")
    clock.advance(days=1)
    csrf = log_in(client)
    client.post(DEV, data={"csrf_token": csrf, "name": "Release1"})
    picker = client.get(f"{DEV}/Release1/add?type=ApexClass")
    names = texts_of(picker.text, "//tbody/tr/td[3]")
    rows = dict(zip(names, texts_of(picker.text, "//tbody/tr/td[5]"), strict=True))
    assert rows == {
        "Helper": "2026-01-07 09:00 UTC by alice",
        "Service": "2026-01-05 09:00 UTC by alice",
    }


def test_build_a_change_set_add_its_dependency_and_upload_only_where_allowed(
    changed: App, client: TestClient
) -> None:
    csrf = log_in(client)
    build_release(client, csrf)
    deps = client.get(f"{DEV}/Release1/dependencies?target=Test")
    assert texts_of(deps.text, "//tbody/tr/td[2]") == ["Helper"]
    client.post(f"{DEV}/Release1/add", data={"csrf_token": csrf, "component": "ApexClass:Helper"})
    assert "Nothing is missing." in client.get(f"{DEV}/Release1/dependencies?target=Test").text
    detail = client.get(f"{DEV}/Release1").text
    tree = lxml_html.fromstring(detail)
    assert tree.xpath("//input[@name='to' and @value='Prod']/@disabled") == ["disabled"]
    assert "Prod does not allow inbound changes from Dev" in detail
    assert not tree.xpath("//input[@name='to' and @value='Test']/@disabled")

    before = snapshot(changed)
    refused = client.post(f"{DEV}/Release1/upload", data={"csrf_token": csrf, "to": "Prod"})
    assert refused.status_code == 409
    assert "Prod" in refused.text and "Dev" in refused.text
    assert snapshot(changed) == before

    uploaded = client.post(f"{DEV}/Release1/upload", data={"csrf_token": csrf, "to": "Test"})
    assert uploaded.headers["location"] == f"{DEV}/Release1?uploaded=Test"
    assert "Uploaded to Test." in client.get(uploaded.headers["location"]).text


def test_preview_deploy_and_roll_back_an_inbound_change_set(
    changed: App, client: TestClient
) -> None:
    csrf = log_in(client)
    build_release(client, csrf)
    client.post(f"{DEV}/Release1/dependencies", data={"csrf_token": csrf, "target": "Test"})
    client.post(f"{DEV}/Release1/upload", data={"csrf_token": csrf, "to": "Test"})
    listing = client.get("/orgs/Test/inbound-change-sets").text
    link = re.search(r'href="(/orgs/Test/inbound-change-sets/\d+)">Release1<', listing)
    assert link
    detail = client.get(link.group(1)).text
    assert texts_of(
        detail, "(//section[@aria-labelledby='preview-title']//table)[1]/tbody/tr/td[2]"
    ) == [
        "Helper",
        "Service",
    ]
    assert "public class Service { Helper h; }" in detail  # the right side of the diff
    response = client.post(
        f"{link.group(1)}/deploy",
        data={"csrf_token": csrf, "action": "deploy", "test_level": "default"},
    )
    deployment = response.headers["location"]
    assert re.fullmatch(r"/setup/deployments/\d+", deployment)
    run_jobs(changed)
    page = client.get(deployment).text
    assert 'id="deployment-status">succeeded<' in page
    assert key("ApexClass:Service") in contents(changed, "Test")
    assert "succeeded" in client.get("/orgs/Test/deployment-status").text

    rolled = client.post(f"{deployment}/rollback", data={"csrf_token": csrf, "reason": ""})
    assert rolled.status_code == 303
    run_jobs(changed)
    assert 'id="deployment-status">succeeded<' in client.get(rolled.headers["location"]).text
    assert key("ApexClass:Service") not in contents(changed, "Test")


def test_who_may_not_deploy_sees_no_deploy_button_and_a_direct_post_changes_nothing(
    changed: App, client: TestClient
) -> None:
    builder = user(
        changed,
        "builder",
        admin=False,
        grants={
            org: [Permission.VIEW_SETUP, Permission.CREATE_UPLOAD_CHANGE_SETS]
            for org in ("Dev", "Test")
        },
    )
    set_password(changed, actor=builder, name="builder", password=PASSWORD)
    csrf = log_in(client, "builder")
    build_release(client, csrf)
    client.post(f"{DEV}/Release1/upload", data={"csrf_token": csrf, "to": "Test"})
    listing = client.get("/orgs/Test/inbound-change-sets").text
    link = re.search(r'href="(/orgs/Test/inbound-change-sets/\d+)"', listing)
    assert link
    detail = client.get(link.group(1)).text
    assert "Deploy</button>" not in detail and "Validate</button>" not in detail
    before = snapshot(changed)
    response = client.post(f"{link.group(1)}/deploy", data={"csrf_token": csrf, "action": "deploy"})
    assert response.status_code == 403
    assert "deploy_change_sets" in response.text
    assert snapshot(changed) == before


def test_a_clone_is_open_and_holds_the_same_components(changed: App, client: TestClient) -> None:
    csrf = log_in(client)
    build_release(client, csrf)
    client.post(f"{DEV}/Release1/upload", data={"csrf_token": csrf, "to": "Test"})
    cloned = client.post(f"{DEV}/Release1/clone", data={"csrf_token": csrf, "new_name": "R2"})
    assert cloned.headers["location"] == f"{DEV}/R2"
    page = client.get(f"{DEV}/R2").text
    assert '<span class="badge">open</span>' in page and "Service" in page
    removed = client.post(
        f"{DEV}/R2/remove", data={"csrf_token": csrf, "component": "ApexClass:Service"}
    )
    assert removed.status_code == 303
    assert "No components yet." in client.get(f"{DEV}/R2").text
