"""The seed scenario end to end in a real browser: build a change set in Dev, add its missing
dependency from the dependencies view, upload to Test, deploy, promote to Prod, see Dev →
Prod refused, roll back; axe-core on every main page on the way."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, serious_violations

#: Deployments run in the server's worker; the page follows them live (htmx).
DONE = 120_000


def accessible(page: Page) -> None:
    assert serious_violations(page) == [], page.url


def open_org_page(page: Page, server: str, org: str, link: str) -> None:
    page.goto(f"{server}/orgs/{org}/deployment-settings")
    page.get_by_role("navigation", name=org).get_by_role("link", name=link).click()


def new_change_set(page: Page, server: str, org: str, name: str) -> None:
    open_org_page(page, server, org, "Outbound change sets")
    accessible(page)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("project due dates")
    page.get_by_role("button", name="Create change set").click()
    expect(page.get_by_role("heading", name=f"Change set {name}")).to_be_visible()


def pick(page: Page, type_: str, text: str, name: str) -> None:
    """Add one component through the searchable picker."""
    page.get_by_role("link", name="Add components").click()
    page.get_by_label("Type", exact=True).select_option(type_)
    page.get_by_label("Name contains").fill(text)
    page.get_by_role("button", name="Search").click()
    accessible(page)
    page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Add to change set").click()


def upload(page: Page, target: str) -> None:
    page.get_by_role("radio", name=target).check()
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"Uploaded to {target}.")


def deploy_inbound(page: Page, server: str, org: str, name: str) -> str:
    """Deploy the inbound change set ``name`` in ``org``; returns the deployment's URL."""
    open_org_page(page, server, org, "Inbound change sets")
    page.get_by_role("link", name=name).click()
    accessible(page)
    page.get_by_label("Test level").select_option("default")
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#deployment-status")).to_have_text("succeeded", timeout=DONE)
    accessible(page)
    return page.url


def test_the_seed_scenario_through_the_ui(page: Page, server: str) -> None:
    log_in(page, server)
    new_change_set(page, server, "Dev", "Release1")
    pick(page, "ApexClass", "Project", "ProjectService")
    accessible(page)
    page.get_by_role("link", name="View and add dependencies").click()
    page.get_by_label("Compared with target").select_option("Test")
    page.get_by_role("button", name="Show").click()
    accessible(page)
    missing = page.get_by_role("button", name="Add CustomField Project__c.Due_Date__c")
    missing.click()
    expect(page.get_by_role("cell", name="Project__c.Due_Date__c", exact=True)).to_be_visible()

    prod = page.get_by_role("radio", name="Prod")
    expect(prod).to_be_disabled()
    expect(page.locator(".why")).to_contain_text("Prod does not allow inbound changes from Dev")
    upload(page, "Test")
    deploy_inbound(page, server, "Test", "Release1")

    new_change_set(page, server, "Test", "Release1")
    pick(page, "ApexClass", "Project", "ProjectService")
    pick(page, "CustomField", "Due_Date", "Project__c.Due_Date__c")
    upload(page, "Prod")
    in_prod = deploy_inbound(page, server, "Prod", "Release1")

    new_change_set(page, server, "Dev", "Shortcut")
    pick(page, "ApexClass", "Project", "ProjectService")
    expect(page.get_by_role("radio", name="Prod")).to_be_disabled()
    token = page.locator("input[name=csrf_token]").first.input_value()
    refused = page.request.post(
        f"{server}/orgs/Dev/outbound-change-sets/Shortcut/upload",
        form={"csrf_token": token, "to": "Prod"},
    )
    assert refused.status == 409
    assert "Prod" in refused.text() and "Dev" in refused.text()
    open_org_page(page, server, "Prod", "Inbound change sets")
    expect(page.get_by_role("link", name="Shortcut")).to_have_count(0)

    page.goto(in_prod)
    page.get_by_label("Reason").fill("")
    page.get_by_role("button", name="Roll back").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Rollback \d+ in Prod$"))).to_be_visible()
    expect(page.locator("#deployment-status")).to_have_text("succeeded", timeout=DONE)
    open_org_page(page, server, "Prod", "Deployment status")
    accessible(page)
    expect(page.get_by_role("cell", name="rollback", exact=True)).to_be_visible()


PAGES = (
    "/",
    "/orgs/Prod/deployment-settings",
    "/orgs/Dev/metadata-browser?type=ApexClass",
    "/orgs/Dev/metadata-browser/ApexClass/ProjectService",
    "/orgs/Dev/history",
    "/orgs/Dev/outbound-change-sets",
    "/orgs/Test/inbound-change-sets",
    "/orgs/Test/deployment-status",
    "/setup/compare?a=Prod&b=Dev",
    "/setup/users",
    "/setup/tokens",
    "/setup/audit",
)
TABLES_OUTSIDE_SCROLL_REGIONS = """
[...document.querySelectorAll('table')].filter(t => {
  const region = t.closest('.scroll');
  return t.scrollWidth > window.innerWidth && !(region && region.tabIndex === 0);
}).length
"""


def test_the_main_pages_have_no_serious_accessibility_violation(page: Page, server: str) -> None:
    log_in(page, server)
    for path in PAGES:
        page.goto(server + path)
        accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in PAGES:
        page.goto(server + path)
        accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} fits a phone's width"
        assert page.evaluate(TABLES_OUTSIDE_SCROLL_REGIONS) == 0, (
            f"{path}: every table wider than the screen scrolls inside its own focusable region"
        )


def test_who_may_not_deploy_sees_no_deploy_button_and_a_post_is_refused(
    page: Page, server: str
) -> None:
    log_in(page, server, "builder")
    new_change_set(page, server, "Dev", "ByBuilder")
    pick(page, "ApexClass", "Project", "ProjectService")
    upload(page, "Test")
    open_org_page(page, server, "Test", "Inbound change sets")
    page.get_by_role("link", name="ByBuilder").click()
    expect(page.get_by_role("heading", name="Inbound change set ByBuilder")).to_be_visible()
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.input_value()
    before = page.request.get(f"{server}/orgs/Test/deployment-status").text()
    refused = page.request.post(
        f"{page.url}/deploy", form={"csrf_token": token, "action": "deploy"}
    )
    assert refused.status == 403
    assert "deploy_change_sets" in refused.text()
    after = page.request.get(f"{server}/orgs/Test/deployment-status").text()
    assert re.sub(r"csrf_token\" value=\"[^\"]+", "", before) == re.sub(
        r"csrf_token\" value=\"[^\"]+", "", after
    )
