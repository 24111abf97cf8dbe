"""The shell on a phone: the menu button opens and closes the menu by keyboard, the closed header is
short, and the home, the login page and a footer page never scroll sideways at 360 px."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

from .conftest import go_to, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_the_menu_button_opens_and_closes_the_menu_by_keyboard(page, live_server, make_member):
    make_member(username="camille", display_name="Camille")
    log_in(page, live_server, "camille", PASSWORD)

    button = page.locator("[data-menu-button]")
    menu = page.locator("#site-menu")
    assert page.locator(".site-header").bounding_box()["height"] < 120
    assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()

    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
    assert page.locator("[data-nav=accounts]").get_attribute("aria-current") == "page"

    page.keyboard.press("Tab")  # the first group: "Mon argent"
    money = page.locator("[data-nav-toggle]").first
    assert money.inner_text().startswith("Mon argent")
    page.keyboard.press("Enter")
    assert money.get_attribute("aria-expanded") == "true" and page.locator("[data-nav=pay]").is_visible()

    page.keyboard.press("Escape")  # closes the group, the focus back on it
    assert money.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.hasAttribute('data-nav-toggle')")
    page.keyboard.press("Escape")  # closes the menu, the focus back on its button
    assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-menu-button')")

    go_to(page, "Le territoire", "Transparence")
    page.wait_for_url(f"{live_server.url}/public/transparency/")
    button.click()
    assert page.locator("[data-nav=transparency]").get_attribute("aria-current") == "page"


def test_no_sideways_scrolling_at_360_px(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/", "/accounts/login/", "/accessibility/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() == 1
        assert page.locator(".site-header").bounding_box()["height"] < 120, path
        assert not scrolls_sideways(page), path
