"""The org list and an org's deployment settings: the family tree, connections, the
promotion-path graph, and changing who may send changes (docs/model.md, "Web UI")."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from lxml import html as lxml_html

from changeway.bootstrap import App
from changeway.domain.permissions import Permission
from changeway.services.demo import REFERENCE_PATHS
from tests.helpers import authorizations, run_jobs, snapshot, trail, user
from tests.web.conftest import PASSWORD, log_in


def arrows(page: str) -> set[tuple[str, str]]:
    """The (from, to) pairs of the inline graph's edges."""
    tree = lxml_html.fromstring(page)
    svg = tree.xpath("//svg")
    assert len(svg) == 1, "the page has one inline svg"
    return {(g.get("data-from"), g.get("data-to")) for g in svg[0].xpath(".//g[@data-from]")}


def test_the_org_list_shows_each_family_as_a_tree(family: App, client: TestClient) -> None:
    log_in(client)
    page = lxml_html.fromstring(client.get("/").text)
    (tree,) = page.xpath("//ul[@class='tree']")
    assert tree.xpath("./li/div/a/text()") == ["Prod"]
    assert tree.xpath("./li/ul/li/div/a/text()") == ["Dev", "Test"]


def test_the_graph_has_exactly_the_authorized_directions(family: App, client: TestClient) -> None:
    log_in(client)
    page = client.get("/orgs/Dev/deployment-settings")
    assert page.status_code == 200
    assert arrows(page.text) == {(source, target) for target, source in REFERENCE_PATHS}
    rows = lxml_html.fromstring(page.text).xpath("//table/tbody/tr")
    cells = {r.xpath("./th/text()")[0]: r.xpath("./td/text()")[1:3] for r in rows}
    # Dev allows inbound from Prod and Test; Prod does not accept from Dev, Test does.
    assert cells == {"Prod": ["Yes", "No"], "Test": ["Yes", "Yes"]}


def test_allowing_inbound_changes_adds_an_arrow_and_is_audited_as_web(
    family: App, client: TestClient
) -> None:
    csrf = log_in(client)
    response = client.post(
        "/orgs/Prod/deployment-settings", data={"csrf_token": csrf, "source": "Dev", "allow": "1"}
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        "/orgs/Prod/deployment-settings",
    )
    assert ("Dev", "Prod") in arrows(client.get(response.headers["location"]).text)
    event = trail(family)[-1]
    assert (event.action, event.entrypoint, event.user) == (
        "connection.inbound_allowed",
        "web",
        "root",
    )
    client.post(
        "/orgs/Prod/deployment-settings", data={"csrf_token": csrf, "source": "Dev", "allow": "0"}
    )
    assert ("Dev", "Prod") not in arrows(client.get("/orgs/Prod/deployment-settings").text)


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    family: App, client: TestClient
) -> None:
    log_in(client)
    before = snapshot(family)
    for token in ({}, {"csrf_token": "forged"}):
        response = client.post(
            "/orgs/Prod/deployment-settings", data={**token, "source": "Dev", "allow": "1"}
        )
        assert response.status_code == 403
        assert "CSRF token is missing or out of date" in response.text
    assert snapshot(family) == before


def test_who_may_not_change_authorizations_sees_no_button_and_is_refused(
    family: App, client: TestClient
) -> None:
    viewer = user(family, "viewer", admin=False, grants={"Prod": [Permission.VIEW_SETUP]})
    from changeway.services.users import set_password

    set_password(family, actor=viewer, name="viewer", password=PASSWORD)
    csrf = log_in(client, "viewer")
    page = client.get("/orgs/Prod/deployment-settings")
    assert page.status_code == 200 and "Allow inbound" not in page.text
    assert "read-only" in page.text
    before = authorizations(family)
    response = client.post(
        "/orgs/Prod/deployment-settings", data={"csrf_token": csrf, "source": "Dev", "allow": "1"}
    )
    assert response.status_code == 403
    assert "deploy_change_sets" in response.text
    assert authorizations(family) == before
    assert client.get("/orgs/Dev/deployment-settings").status_code == 403


def test_a_sandbox_created_from_the_org_list_shows_its_job(family: App, client: TestClient) -> None:
    csrf = log_in(client)
    prod = re.search(r'<option value="([^"]+)">Prod</option>', client.get("/").text)
    assert prod
    response = client.post(
        "/sandboxes/new",
        data={"csrf_token": csrf, "name": "QA", "source": prod.group(1), "kind": "developer"},
    )
    assert response.status_code == 303
    job_page = response.headers["location"]
    assert "pending" in client.get(job_page).text
    run_jobs(family)
    fragment = client.get(job_page, headers={"HX-Request": "true"})
    assert "succeeded" in fragment.text and "hx-trigger" not in fragment.text
    assert ">QA</a>" in client.get("/").text
