"""In a real browser: logging in, the promotion-path graph, CSRF, and accessibility of the
first pages."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from changeway.services.demo import REFERENCE_PATHS
from tests.browser.conftest import PASSWORD, log_in, serious_violations


def test_log_in_and_see_exactly_the_scenarios_arrows(page: Page, server: str) -> None:
    page.goto(server)
    expect(page).to_have_url(f"{server}/login?next=/")
    assert serious_violations(page) == []
    log_in(page, server)
    expect(page).to_have_url(f"{server}/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Dev", exact=True).click()
    expect(page.get_by_role("heading", name="Deployment settings: Dev")).to_be_visible()
    edges = page.locator("svg g.edge")
    pairs = {
        (edges.nth(i).get_attribute("data-from"), edges.nth(i).get_attribute("data-to"))
        for i in range(edges.count())
    }
    assert pairs == {(source, target) for target, source in REFERENCE_PATHS}
    assert edges.count() == len(REFERENCE_PATHS)
    assert serious_violations(page) == []


def test_keyboard_reaches_every_control_with_visible_focus(page: Page, server: str) -> None:
    page.goto(f"{server}/login")
    expect(page.locator(":focus")).to_have_attribute("name", "username")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("ops")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Orgs")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, server: str) -> None:
    log_in(page, server)
    page.goto(f"{server}/orgs/Prod/deployment-settings")
    page.eval_on_selector_all("input[name=csrf_token]", "inputs => inputs.forEach(i => i.remove())")
    page.get_by_role("button", name="Allow inbound from Dev").click()
    expect(page.get_by_role("alert")).to_contain_text("CSRF token is missing")
    page.goto(f"{server}/orgs/Prod/deployment-settings")
    assert page.locator("svg g.edge[data-from=Dev][data-to=Prod]").count() == 0


def test_a_cross_site_post_without_the_session_token_changes_nothing(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        form = client.get("/login")
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "ops", "password": PASSWORD, "csrf_token": token})
        response = client.post(
            "/orgs/Prod/deployment-settings", data={"source": "Dev", "allow": "1"}
        )
        assert response.status_code == 403
        assert (
            'data-from="Dev" data-to="Prod"'
            not in client.get("/orgs/Prod/deployment-settings").text
        )
