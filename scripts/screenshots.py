"""Photograph the web UI's main pages (run by scripts/screenshots)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from changeway.api.local import EXE, local_server

PASSWORD = "screenshot-password"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [str(EXE), *args], env=env, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL
    )


def shoot(page: Page, url: str, out: Path, name: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(f"saved {out / name}.png")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="changeway-shots-") as store:
        env = {**os.environ, "CHANGEWAY_DATA_DIR": store, "LOGNAME": "admin", "NO_COLOR": "1"}
        env.pop("CHANGEWAY_SERVER", None)
        env.pop("CHANGEWAY_DATABASE_URL", None)
        cli(env, "db", "upgrade")
        cli(env, "demo")
        cli(env, "user", "set-password", "admin", "--password-stdin", stdin=PASSWORD)
        with local_server(env) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport=LAPTOP)
            shoot(page, f"{base}/login", out, "login")
            page.fill("#username", "admin")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            deployment = page.request.get(f"{base}/orgs/Prod/deployment-status").text()
            first = deployment.split('href="/setup/deployments/')[1].split('"')[0]
            for name, path in (
                ("orgs", "/"),
                ("deployment-settings", "/orgs/Prod/deployment-settings"),
                ("outbound-change-set", "/orgs/Dev/outbound-change-sets/Shortcut"),
                (
                    "component-picker",
                    "/orgs/Dev/outbound-change-sets/Shortcut/add?type=ApexClass",
                ),
                (
                    "dependencies",
                    "/orgs/Dev/outbound-change-sets/Shortcut/dependencies?target=Test",
                ),
                ("deployment-status", "/orgs/Prod/deployment-status"),
                ("deployment", f"/setup/deployments/{first}"),
                ("component", "/orgs/Dev/metadata-browser/ApexClass/ProjectService"),
                ("compare", "/setup/compare?a=Prod%401&b=Prod"),
                ("audit", "/setup/audit?org=Prod"),
            ):
                shoot(page, base + path, out, name)
            page.set_viewport_size(PHONE)
            shoot(page, f"{base}/", out, "phone-orgs")
            shoot(page, f"{base}/orgs/Prod/deployment-settings", out, "phone-deployment-settings")
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
