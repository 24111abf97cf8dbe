"""The installable app (core/pwa.py): the manifest, the service worker at the site's root, the
offline page, and what base.html links; the CSP lets the manifest and the worker load."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from config.settings import BASE_DIR

pytestmark = pytest.mark.django_db


def test_the_manifest_is_json_served_as_a_web_app_manifest():
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content.decode("utf-8"))
    assert {key: manifest[key] for key in ("short_name", "start_url", "scope", "display", "lang", "theme_color")} == {
        "short_name": "Bocage",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "lang": "fr",
        "theme_color": "#2f6b3a",
    }
    assert manifest["name"] == "Bocage — Pays des Achards"
    assert manifest["icons"] == [
        {"src": "/static/img/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/img/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
    ]
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/manifest.webmanifest").json()
    assert english["lang"] == "en"
    assert english["description"] == "The local currency, the time bank and the marketplace of the Pays des Achards."


@pytest.mark.parametrize("size", [192, 512])
def test_the_icons_are_square_pngs_of_their_size(size):
    with Image.open(BASE_DIR / "static" / "img" / "icons" / f"icon-{size}.png") as icon:
        assert (icon.format, icon.size) == ("PNG", (size, size))


def test_the_service_worker_is_javascript_at_the_root_with_the_whole_site_as_scope():
    response = Client().get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    config = json.loads(re.search(r"^const CONFIG = (\{.*\});$", body, re.M).group(1))
    assert config["offlineUrl"] == "/offline/"
    assert config["shell"][:3] == ["/offline/", "/static/css/bocage.css", "/static/css/pwa.css"]
    assert "/static/img/icons/icon-192.png" in config["shell"]
    assert set(config["neverCached"]) >= {"/api/", "/admin/", "/accounts/", "/audit/"}
    # Only the payment requests' pages are kept, and never a POST: the worker answers GETs only.
    assert config["keptPages"] == [r"^/payments/[0-9a-f-]{36}/$"]
    assert 'if (request.method !== "GET") return;' in body


def test_a_kept_page_pattern_matches_a_payment_request_and_nothing_else():
    body = Client().get("/sw.js").content.decode()
    pattern = re.compile(json.loads(re.search(r"const CONFIG = (\{.*\});", body).group(1))["keptPages"][0])
    assert pattern.match("/payments/0b6c4f1e-2d5a-4c1e-9a8b-3f2e1d0c9b8a/")
    assert not pattern.match("/payments/")
    assert not pattern.match("/pay/r/0b6c4f1e-2d5a-4c1e-9a8b-3f2e1d0c9b8a/")
    assert not pattern.match("/payments/0b6c4f1e-2d5a-4c1e-9a8b-3f2e1d0c9b8a/cancel/")


def test_the_offline_page_says_nothing_can_be_paid_offline_in_the_readers_language():
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("offline")).content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("offline")).content.decode()

    assert '<html lang="fr">' in french and french.count("<h1>") == 1
    assert "<title>Pas de connexion · Bocage</title>" in french
    assert "Rien ne peut être payé ni modifié hors connexion\u00a0:" in french
    assert "Nothing can be paid or changed offline" in english
    assert "<form" not in french


def test_every_page_links_the_manifest_and_registers_the_worker(make_member):
    page = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("login")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<script src="/static/js/pwa.js" data-sw="/sw.js"' in page
    assert "data-signed-out" in page  # the pages kept on the device are forgotten once signed out

    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(make_member(username="alice").user)
    assert "data-signed-out" not in client.get(reverse("payment-request-list")).content.decode()


def test_the_csp_lets_only_this_site_provide_the_manifest_and_the_worker():
    policy = Client().get(reverse("login"))["Content-Security-Policy"]
    assert "manifest-src 'self'" in policy and "worker-src 'self'" in policy
