"""axe-core in every browser test: each page a test loads is checked before the test's next step.

The `browser` fixture (tests/e2e/conftest.py) hands the tests a `WatchedBrowser`: every context it
opens, and every page of those contexts, is watched. When a page of the site finishes loading (the
document's "load" event), axe-core (vendored: tests/e2e/vendor/axe.min.js) runs on it; the test's
next call on that page waits until the check is done, so the page checked is the page the test saw,
not the next one. A page the test left before its check could run (a click through a locator kept
from an earlier page) is fetched again, with the same session, before its context closes.

At the end of the test, any critical or serious violation fails it, with the page, the rule and the
elements. Not Bocage's own pages, so not checked: the Django admin (/admin/, Django's own
templates), documents that are not HTML (the API's JSON, downloads), and on the API docs page the
third-party widget (Swagger UI) keeps the listed rules on its elements inside #swagger-ui.

How axe gets in under the Content-Security-Policy: page.add_script_tag(path=…) inlines the file in
a <script> element, which the site's CSP (script-src 'self') rightly blocks. page.evaluate() runs it
through the DevTools protocol instead, which the CSP does not govern: the page keeps its real
policy, and the page fixture still fails on any violation the site itself causes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

AXE_RUN = """async ({allowed, widget}) => {
  const serious = results => results.violations
    .filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 4).map(n => n.target.join(" "))}));
  const options = {resultTypes: ["violations"]};
  if (!allowed.length) return serious(await axe.run(document, options));
  // A page with a third-party widget: every other rule everywhere, and the widget's listed rules
  // everywhere but inside it. Decided by axe's own context, whatever the widget has drawn yet.
  const off = Object.fromEntries(allowed.map(id => [id, {enabled: false}]));
  const everywhere = await axe.run(document, {...options, rules: off});
  const outside = await axe.run({exclude: [[widget]]}, {...options, runOnly: {type: "rule", values: allowed}});
  return [...serious(everywhere), ...serious(outside)];
}"""

# The API docs page's third-party widget (Swagger UI) may keep its own violations: these rules,
# inside #swagger-ui only.
WIDGET = "#swagger-ui"
THIRD_PARTY = {"/api/docs/": ("color-contrast", "nested-interactive", "aria-required-children")}
# Django's own admin templates: not Bocage's pages.
NOT_OURS = re.compile(r"^/admin/")
# A check that outlives this many 10 ms waits is reported rather than waited for forever.
PATIENCE = 6_000


def violations(page, path: str) -> list[str]:
    """axe-core's critical and serious violations on the page as loaded, one line each."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    found = []
    allowed = list(THIRD_PARTY.get(path, ()))
    for violation in page.evaluate(AXE_RUN, {"allowed": allowed, "widget": WIDGET}):
        found.append(
            f"{path} · {violation['id']} · {violation['impact']}: {violation['help']} → {violation['targets']}"
        )
    return found


@dataclass
class AxeWatch:
    """What axe found on the pages of one test."""

    site: str = ""  # the live server's address: other origins are not checked
    checked: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    missed: dict[object, list[str]] = field(default_factory=dict)  # context -> URLs left unchecked
    unchecked: list[str] = field(default_factory=list)  # could not be fetched again (offline…)
    running: dict[object, int] = field(default_factory=dict)  # page -> checks under way
    pages: dict[object, object] = field(default_factory=dict)  # page -> its context

    def ours(self, page) -> str | None:
        """The page's path when it is one of Bocage's own HTML pages, else None."""
        url = urlsplit(page.url)
        if not self.site or f"{url.scheme}://{url.netloc}" != self.site or NOT_OURS.search(url.path):
            return None
        if page.evaluate("document.contentType") != "text/html":
            return None
        return url.path

    def watch(self, page, context) -> None:
        page.on("load", lambda: self._on_load(page, context))

    def _on_load(self, page, context) -> None:
        # Runs in Playwright's event greenlet: the test goes on meanwhile, until its next call on
        # this page, which waits (WatchedPage.__getattr__).
        url = page.url
        self.running[page] = self.running.get(page, 0) + 1
        try:
            path = self.ours(page)
            if path is not None:
                self.found += violations(page, path)
                self.checked.append(path)
        except Exception:  # the test navigated away, or closed the page, before the check ran
            self.missed.setdefault(context, []).append(url)
        finally:
            self.running[page] -= 1

    def settle(self, page) -> None:
        """Wait until the checks of the pages this page loaded are done."""
        waits = 0
        while self.running.get(page) and not page.is_closed():
            if waits == PATIENCE:
                self.found.append(f"{page.url} · axe-core did not finish")
                self.running[page] = 0
                break
            page.wait_for_timeout(10)
            waits += 1

    def catch_up(self, context) -> None:
        """Check again, with the context's session, the pages left before their check ran."""
        for page, its_context in list(self.pages.items()):
            if its_context is context:
                self.settle(page)
        for url in dict.fromkeys(self.missed.pop(context, [])):
            page = context.new_page()
            try:
                page.goto(url)
                path = self.ours(page)
                if path is not None:
                    self.found += violations(page, path)
                    self.checked.append(path)
            except Exception as error:
                self.unchecked.append(f"{url}: {str(error).splitlines()[0]}")
            finally:
                page.close()


class WatchedPage:
    """A page whose every use first waits for the axe check of what it last loaded."""

    def __init__(self, page, context, watch: AxeWatch):
        self._page, self._watch = page, watch
        watch.pages[page] = context
        watch.watch(page, context)

    def __getattr__(self, name):
        if name not in ("on", "once", "remove_listener", "is_closed", "url"):
            self._watch.settle(self._page)
        return getattr(self._page, name)


class WatchedContext:
    def __init__(self, context, watch: AxeWatch):
        self._context, self._watch = context, watch
        self.closed = False

    def new_page(self, **kwargs) -> WatchedPage:
        return WatchedPage(self._context.new_page(**kwargs), self._context, self._watch)

    def close(self, **kwargs) -> None:
        if not self.closed:
            self._watch.catch_up(self._context)
            self._context.close(**kwargs)
            self.closed = True

    def __getattr__(self, name):
        return getattr(self._context, name)


class WatchedBrowser:
    """The session's Chromium, for one test: the contexts it opens are watched by axe."""

    def __init__(self, browser, watch: AxeWatch):
        self._browser, self.watch = browser, watch
        self.contexts: list[WatchedContext] = []

    def new_context(self, **kwargs) -> WatchedContext:
        context = WatchedContext(self._browser.new_context(**kwargs), self.watch)
        self.contexts.append(context)
        return context

    def close_contexts(self) -> None:
        """Close what the test left open, after checking its pages."""
        for context in self.contexts:
            context.close()

    def __getattr__(self, name):
        return getattr(self._browser, name)
