"""Metadata, compare, users, tokens and the audit trail through the pages, on both stores."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from lxml import html as lxml_html

from changeway.bootstrap import App
from changeway.domain.permissions import Permission
from changeway.services.users import set_password
from tests.helpers import user
from tests.helpers_metadata import apex, put
from tests.web.conftest import PASSWORD, log_in
from tests.web.test_change_sets import texts_of


def test_browse_search_and_read_a_component_highlighted(family: App, client: TestClient) -> None:
    put(family, "Dev", [apex("Alpha"), apex("Beta", "public class Beta { Alpha a; }")])
    log_in(client)
    page = client.get("/orgs/Dev/metadata-browser?type=ApexClass&q=ALP").text
    assert texts_of(page, "//tbody/tr/td[2]") == ["Alpha"]
    assert "ApexClass (2)" in page
    shown = client.get("/orgs/Dev/metadata-browser/ApexClass/Beta").text
    tree = lxml_html.fromstring(shown)
    assert tree.xpath("//div[@class='highlight']//span[text()='class']")  # a keyword, coloured
    assert "Beta" in tree.text_content()
    page = client.get("/orgs/Dev/metadata-browser/ApexClass/Alpha").text
    assert 'hx-get="?used_by=1"' in page  # the slow part comes separately
    used = client.get("/orgs/Dev/metadata-browser/ApexClass/Alpha?used_by=1").text
    assert texts_of(used, "//section[@aria-labelledby='used-title']//li")[0].startswith(
        "ApexClass Beta"
    )
    fragment = client.get(
        "/orgs/Dev/metadata-browser/ApexClass/Alpha?used_by=1", headers={"HX-Request": "true"}
    ).text
    assert fragment.startswith("<ul") and "ApexClass Beta" in fragment
    assert client.get("/orgs/Dev/metadata-browser/ApexClass/Nope").status_code == 404


def test_history_and_side_by_side_comparison(family: App, client: TestClient) -> None:
    put(family, "Dev", [apex("Alpha", "public class Alpha {\n  Integer x = 1;\n}\n")])
    put(family, "Dev", [apex("Alpha", "public class Alpha {\n  Integer x = 2;\n}\n")])
    log_in(client)
    history = client.get("/orgs/Dev/history").text
    links = re.findall(r'href="(/setup/compare\?a=Dev%40(\d+)&amp;b=Dev%40(\d+))"', history)
    assert links and all(int(a) + 1 == int(b) for _, a, b in links)
    page = client.get(links[-1][0].replace("&amp;", "&")).text
    tree = lxml_html.fromstring(page)
    assert [" ".join(t.split()) for t in tree.xpath("//td[@class='del']/pre/text()")] == [
        "Integer x = 1;"
    ]
    assert [" ".join(t.split()) for t in tree.xpath("//td[@class='add']/pre/text()")] == [
        "Integer x = 2;"
    ]
    assert client.get("/setup/compare?a=Dev&b=Nowhere").status_code == 404


def test_users_page_grants_permissions_for_who_manages_users(
    family: App, client: TestClient
) -> None:
    csrf = log_in(client)
    created = client.post(
        "/setup/users",
        data={"csrf_token": csrf, "action": "create", "name": "dana", "password": PASSWORD},
    )
    assert created.status_code == 303
    org_id = re.search(r'<option value="([^"]+)">Test \(Prod\)', client.get("/setup/users").text)
    assert org_id
    client.post(
        "/setup/users",
        data={
            "csrf_token": csrf,
            "action": "grant",
            "user": "dana",
            "org": org_id.group(1),
            "permission": ["view_setup", "deploy_change_sets"],
        },
    )
    rows = texts_of(client.get("/setup/users").text, "//tbody/tr")
    assert "dana user yes Prod/Test : deploy_change_sets, view_setup" in rows


def test_a_user_without_manage_users_sees_only_themself_and_cannot_grant(
    family: App, client: TestClient
) -> None:
    viewer = user(family, "viewer", admin=False, grants={"Dev": [Permission.VIEW_SETUP]})
    set_password(family, actor=viewer, name="viewer", password=PASSWORD)
    csrf = log_in(client, "viewer")
    page = client.get("/setup/users").text
    assert texts_of(page, "//tbody/tr/th") == ["viewer"]
    assert "Grant or revoke" not in page and "New user" not in page
    refused = client.post(
        "/setup/users",
        data={
            "csrf_token": csrf,
            "action": "grant",
            "user": "viewer",
            "org": "Dev",
            "permission": "manage_users",
        },
    )
    assert refused.status_code == 403


def test_tokens_are_shown_once_and_revocable(family: App, client: TestClient) -> None:
    csrf = log_in(client)
    page = client.post("/setup/tokens", data={"csrf_token": csrf, "note": "ci", "expires": "30d"})
    secret = lxml_html.fromstring(page.text).xpath("//input[@id='new-token']/@value")[0]
    assert secret.startswith("cwt_")
    assert client.get("/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/setup/tokens").text
    assert secret not in listing
    token_id = re.search(r'name="token_id" value="(\d+)"', listing)
    assert token_id
    client.post(
        "/setup/tokens",
        data={"csrf_token": csrf, "action": "revoke", "token_id": token_id.group(1)},
    )
    assert client.get("/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_the_audit_trail_filters_and_pages(family: App, client: TestClient) -> None:
    log_in(client)
    page = client.get("/setup/audit?action=connection&org=Dev").text
    actions = texts_of(page, "//tbody/tr/td[4]")
    assert actions and set(actions) == {"connection.inbound_allowed"}
    first = client.get("/setup/audit?limit=3").text
    following = re.search(r'href="(/setup/audit\?[^"]+)">Next page', first)
    assert following and len(texts_of(first, "//tbody/tr")) == 3
    second = client.get(following.group(1).replace("&amp;", "&")).text
    assert texts_of(second, "//tbody/tr")[0] not in texts_of(first, "//tbody/tr")
    assert client.get("/setup/audit?since=yesterday").status_code == 409
