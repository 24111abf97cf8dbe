"""The axe-core watch of the browser tests (tests/e2e/axe.py) finds what it must: a page of the
site with violations fails its test, a page left before its check is checked again with the same
session, and what is not Bocage's own (the Django admin) is left alone."""

from __future__ import annotations

import pytest

from .axe import AxeWatch, WatchedBrowser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# An image without a text alternative (image-alt, critical) in a page without a language
# (html-has-lang, serious).
BAD = (
    "<!doctype html><html><head><title>x</title></head>"
    "<body><main><h1>x</h1><img src='/static/x.png'></main></body></html>"
)


def _bad_site(context, live_server):
    context.route(f"{live_server.url}/bad/", lambda route: route.fulfill(body=BAD, content_type="text/html"))


def test_every_page_the_fixture_loads_is_checked(page, browser, live_server):
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/accounts/login/")

    assert page.title()  # the next step on the page waits for the check of the page it shows
    assert browser.watch.checked == ["/", "/accounts/login/"]
    assert browser.watch.found == []


def test_a_page_with_violations_fails_the_test(chromium, live_server):
    watch = AxeWatch(site=live_server.url)
    context = WatchedBrowser(chromium, watch).new_context()
    _bad_site(context, live_server)
    page = context.new_page()

    page.goto(f"{live_server.url}/bad/")
    page.title()
    context.close()

    assert watch.checked == ["/bad/"]
    assert [line.split(" · ")[1] for line in watch.found] == ["html-has-lang", "image-alt"]


def test_a_page_left_before_its_check_is_checked_again_before_its_context_closes(chromium, live_server):
    watch = AxeWatch(site=live_server.url)
    context = WatchedBrowser(chromium, watch).new_context()
    _bad_site(context, live_server)
    context.new_page()
    watch.missed[context._context] = [f"{live_server.url}/bad/"]  # as _on_load records a page navigated away from

    context.close()

    assert watch.checked == ["/bad/"]
    assert [line.split(" · ")[1] for line in watch.found] == ["html-has-lang", "image-alt"]


def test_the_django_admin_is_not_checked(chromium, live_server):
    watch = AxeWatch(site=live_server.url)
    context = WatchedBrowser(chromium, watch).new_context()
    context.route(f"{live_server.url}/admin/bad/", lambda route: route.fulfill(body=BAD, content_type="text/html"))
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/bad/")
    page.title()
    context.close()

    assert (watch.checked, watch.found) == ([], [])


DOCS = (
    "<!doctype html><html lang='fr'><head><title>API</title></head><body><main><h1>API</h1>"
    "<div id='swagger-ui'><div class='opblock'><div role='button' tabindex='0' class='inside'>"
    "<a href='/api/'>GET</a></div></div></div>"
    "<div role='button' tabindex='0' class='outside'><a href='/api/'>GET</a></div>"
    "</main></body></html>"
)


def test_the_api_docs_keep_only_the_widgets_own_listed_violations(chromium, live_server):
    watch = AxeWatch(site=live_server.url)
    context = WatchedBrowser(chromium, watch).new_context()
    context.route(f"{live_server.url}/api/docs/", lambda route: route.fulfill(body=DOCS, content_type="text/html"))
    page = context.new_page()

    page.goto(f"{live_server.url}/api/docs/")
    page.title()
    context.close()

    # The same nested control inside #swagger-ui is the widget's (listed); outside, it is ours.
    assert [(line.split(" · ")[1], ".outside" in line, ".inside" in line) for line in watch.found] == [
        ("nested-interactive", True, False)
    ]
