"""The accessibility crawl: for each role (anonymous, a resident, a business, an exchange-office
clerk, an administrator, the auditor), start at / on a 360 px phone, follow the links of the
header, the main content and the footer (same site, GET; never the way out, the language menu, a
file or the Django admin), up to PAGES_PER_ROLE pages, and on each page check:

- axe-core (vendored: tests/e2e/vendor/axe.min.js) finds no critical and no serious violation;
- no horizontal scroll at 360 px (documentElement.scrollWidth <= 360);
- exactly one <h1>, a non-empty <title>, <html lang>.

The crawl drives the session's Chromium itself (the `chromium` fixture, not the watched `browser`
of the other browser tests) and runs axe with the same rules (tests/e2e/axe.py), once per page.

The members log in by a session cookie (Django's test client, force_login) rather than the form:
each role's crawl starts at / as that person. The second factor is off for the crawl (staff and
auditors would otherwise stop at the code page), as in tests/e2e/test_csp.py.

Any failure fails the test, with page, check, rule and targets in the message.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client

from tests.crawl_world import ROLES, build_world

from .axe import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 360
PAGES_PER_ROLE = 16
# Same-site links the crawl does not follow: the way out, the language menu's form, files, the
# Django admin (third-party pages), the API's JSON (the API docs page is crawled).
NOT_FOLLOWED = re.compile(
    r"^/(admin|static|media|i18n)/|^/accounts/logout/|^/api/(?!docs/)|/(csv|pdf|download)/?$|\.(csv|pdf|txt|js|json)$"
)
# The public pages the anonymous crawl checks; the members' crawls spend their pages elsewhere.
PUBLIC_ONLY = re.compile(r"^/(public|api/docs)/|[?&]status=")
IDS = re.compile(r"/(\d+|[0-9a-f-]{36})/")
# Each role's own area first (its links go to the front of the queue), within the page budget.
FOCUS = {
    "resident": ("/exchanges/", "/timebank/", "/payments/", "/accounts/"),
    "business": ("/reconversion/", "/payments/", "/accounts/"),
    "clerk": ("/comptoir/",),
    "administrator": ("/audit/", "/reconversion/", "/comptoir/"),
    "auditor": ("/audit/",),
}
PAGE_FACTS = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  h1: document.querySelectorAll("h1").length,
  title: document.title.trim(),
  lang: document.documentElement.getAttribute("lang") || "",
  links: Array.from(document.querySelectorAll("header a[href], main a[href], footer a[href]"))
    .filter(a => !a.hasAttribute("download"))
    .map(a => a.href),
})"""


def _session_cookie(live_server, user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": live_server.url}


def _messages_cookie(live_server) -> dict[str, str]:
    """Two messages waiting for the first page (Django's cookie storage), so the crawl checks the
    messages list too."""
    storage = CookieStorage(HttpRequest())
    storage.add(messages.SUCCESS, "Paiement envoyé.")
    storage.add(messages.ERROR, "Montant invalide.")
    response = HttpResponse()
    storage.update(response)
    return {"name": storage.cookie_name, "value": response.cookies[storage.cookie_name].value, "url": live_server.url}


def _crawl(chromium, live_server, world, role: str) -> tuple[list[str], list[str]]:
    """(pages visited, failures) for one role."""
    context = chromium.new_context(locale="fr-FR", viewport={"width": WIDTH, "height": 800})
    blocked: list[str] = []
    user = world.user(role)
    if user is not None:
        context.add_cookies([_session_cookie(live_server, user), _messages_cookie(live_server)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    # The offline page (core/pwa.py) is linked from nowhere: the service worker shows it.
    start = ["/"] if user is not None else ["/", "/offline/"]
    queue, seen, visited, failures = start, set(start), [], []
    checked: set[str] = set()

    def report(path: str, check: str, detail: str) -> None:
        failures.append(f"[{role}] {path} · {check} · {detail}")

    try:
        while queue and len(visited) < PAGES_PER_ROLE:
            path = queue.pop(0)
            response = page.goto(live_server.url + path)
            path = urlsplit(page.url).path + (f"?{urlsplit(page.url).query}" if urlsplit(page.url).query else "")
            if (
                response is None
                or response.status >= 400
                or "text/html" not in response.headers.get("content-type", "")
            ):
                if response is not None and response.status >= 500:
                    failures.append(f"[{role}] {path} · status · {response.status}")
                continue
            kind = IDS.sub("/N/", urlsplit(path).path)
            if kind in checked:  # a redirect to a page already checked (the login page)
                continue
            checked.add(kind)
            seen.add(kind)
            visited.append(path)
            facts = page.evaluate(PAGE_FACTS)
            if facts["scrollWidth"] > WIDTH:
                report(path, "scroll", f"scrollWidth {facts['scrollWidth']} > {WIDTH}")
            if facts["h1"] != 1:
                report(path, "h1", f"{facts['h1']} <h1> on the page")
            if not facts["title"]:
                report(path, "title", "empty <title>")
            if not facts["lang"]:
                report(path, "lang", "no <html lang>")
            failures.extend(f"[{role}] {line}" for line in violations(page, urlsplit(path).path))
            for href in facts["links"]:
                target = urlsplit(href)
                if f"{target.scheme}://{target.netloc}" != live_server.url or NOT_FOLLOWED.search(target.path):
                    continue
                url = target.path + (f"?{target.query}" if target.query else "")
                # One page per kind of page: /pay/?unit=HRS is /pay/ again, /audit/accounts/7/ is
                # /audit/accounts/3/ again, for these checks.
                kind = IDS.sub("/N/", target.path)
                if kind in seen or (user is not None and PUBLIC_ONLY.search(url)):
                    continue
                seen.add(kind)
                if target.path.startswith(FOCUS.get(role, ())):
                    queue.insert(sum(1 for queued in queue if urlsplit(queued).path.startswith(FOCUS[role])), url)
                else:
                    queue.append(url)
    finally:
        context.close()
    failures += [f"[{role}] CSP blocked: {text}" for text in blocked]
    return visited, failures


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_is_accessible_and_fits_a_phone(chromium, live_server, settings, role):
    settings.BOCAGE_OTP_REQUIRED = False
    world = build_world()

    visited, failures = _crawl(chromium, live_server, world, role)

    print(f"\n{role}: {len(visited)} pages: {' '.join(visited)}")
    assert failures == [], f"{len(failures)} failures on {role}'s pages:\n" + "\n".join(failures)
    assert len(visited) >= 4, visited  # the crawl did reach the role's pages
