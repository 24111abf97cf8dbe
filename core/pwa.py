"""The installable web app: its manifest, its service worker and the page it shows offline.

The worker (templates/pwa/sw.js) is served from the site's root (/sw.js) so its scope is the
whole site. It keeps the shell (CSS, JS, icons, the offline page) and the member's own payment QR
pages for a weak rural connection; pages are network-first, POSTs, the API, the admin and the
books are never cached, and a page served from the cache is marked as a copy whose forms are
disabled (static/js/pwa.js): no payment is ever made offline, the ledger stays the only truth.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOUR = "#2f6b3a"
BACKGROUND_COLOUR = "#f6f5ef"
# Bumped when the worker's caching rules change: the new worker drops the older caches.
CACHE_VERSION = "1"
# Pages kept for a weak connection: the member's own payment requests and their QR code (read-only
# copies: the page's forms are disabled when served from the cache).
KEPT_PAGES = [r"^/payments/[0-9a-f-]{36}/$"]
# Never cached, whatever they answer.
NEVER_CACHED = ["/api/", "/admin/", "/accounts/", "/i18n/", "/audit/", "/sw.js"]


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": _("Bocage — Pays des Achards"),
            "short_name": "Bocage",
            "description": _("The local currency, the time bank and the marketplace of the Pays des Achards."),
            "lang": get_language() or "fr",
            "dir": "ltr",
            "start_url": "/",
            "scope": "/",
            "id": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                {"src": static(f"img/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
                for size in (192, 512)
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    settings_for_worker = {
        "version": CACHE_VERSION,
        "offlineUrl": reverse("offline"),
        "shell": [
            reverse("offline"),
            static("css/bocage.css"),
            static("css/pwa.css"),
            static("js/bocage.js"),
            static("js/pwa.js"),
            static("img/icons/icon-192.png"),
            static("img/bocage-mark.svg"),
        ],
        "keptPages": KEPT_PAGES,
        "neverCached": NEVER_CACHED,
    }
    # JSON is valid JavaScript; "<" is escaped so no value could ever close anything.
    config = json.dumps(settings_for_worker).replace("<", "\\u003c")
    response = render(request, "pwa/sw.js", {"config": config}, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the worker shows when a page cannot be reached: it says nothing can be paid offline."""
    return render(request, "pwa/offline.html")
