"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser).

Every page a browser test loads is checked by axe-core (tests/e2e/axe.py): the `browser` fixture
watches the contexts the test opens, and the test fails on any critical or serious violation.
"""

from __future__ import annotations

import os
import shutil

import pytest

from .axe import AxeWatch, WatchedBrowser

CHROMIUM = os.environ.get("BOCAGE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous calls, so Django's async guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    """The session's Chromium, unwatched: for the crawl (tests/e2e/test_crawl.py), which runs axe itself."""
    if not CHROMIUM:
        pytest.skip("no Chromium installed (apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium, live_server):
    """Chromium for one test: axe-core checks every page of the site the test loads, and the test
    fails on a critical or serious violation."""
    watch = AxeWatch(site=live_server.url)
    browser = WatchedBrowser(chromium, watch)
    yield browser
    browser.close_contexts()
    if watch.unchecked:
        print(f"\naxe-core could not check {len(watch.unchecked)} page(s): " + " | ".join(watch.unchecked))
    assert watch.found == [], f"axe-core: {len(watch.found)} violation(s):\n" + "\n".join(watch.found)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every browser test also checks that the Content-Security-Policy blocked nothing the page needs.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert violations == [], "the Content-Security-Policy blocked: " + " | ".join(violations)


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")


def go_to(page, group: str, link: str) -> None:
    """Follow a link of the site's menu as a person does on a phone: the menu button, the group, the link."""
    button = page.locator("[data-menu-button]")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
    toggle = page.locator("[data-nav-toggle]", has_text=group)
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.locator("#site-menu a", has_text=link).first.click()


def no_horizontal_scroll(page) -> bool:
    """The page is no wider than the phone's viewport (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
