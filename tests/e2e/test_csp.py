"""In a real browser, the Content-Security-Policy blocks nothing the pages need (the page fixture
fails any test whose console reports a violation): the API docs, a page with charts, and the site's
script (the language menu submits itself)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def violations_of(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    return found


def test_the_api_docs_render_swagger_ui_under_the_policy(page, live_server):
    found = violations_of(page)

    page.goto(f"{live_server.url}/api/docs/")

    page.wait_for_selector(".swagger-ui .info .title")
    assert "Bocage API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")
    assert found == []


def test_the_charts_page_and_the_sites_script_work_under_the_policy(page, live_server):
    found = violations_of(page)
    page.goto(f"{live_server.url}/public/transparency/")
    assert page.locator("svg.chart").count() >= 1

    page.click("[data-menu-button]")  # on a phone the language menu is in the site's menu (shell.js opens it)
    page.select_option("#language", "en")  # bocage.js submits the form: no inline onchange any more

    page.wait_for_function("document.documentElement.lang === 'en'")
    assert found == []


def test_the_admin_works_under_the_policy(page, live_server, staff_user, settings, make_member):
    settings.BOCAGE_OTP_REQUIRED = False
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    make_member(username="alice")
    found = violations_of(page)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/members/member/")
    page.check("#action-toggle")  # the admin's own script (actions.js) runs

    assert page.locator("input.action-select:checked").count() == 1
    assert found == []
