"""Content-Security-Policy on every kind of page, no inline script or style, and no-store when logged in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from currency.models import Comptoir
from members.services import api_token_create

ROOT = Path(django_settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.fixture
def no_second_factor(settings):
    settings.BOCAGE_OTP_REQUIRED = False


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/public/transparency/", "/public/directory/", "/campaigns/", "/api/docs/"]
)
def test_public_pages_and_the_api_docs_carry_a_strict_policy(db, client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert_strict_policy(response)


def test_the_api_docs_load_swagger_uis_init_script_from_a_file_not_inline(db, client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assert "<style" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize("url", ["/", "/pay/", "/security/tokens/", "/membership/"])
def test_member_pages_carry_the_policy_and_are_never_stored(client, make_member, url):
    client.force_login(make_member(username="alice").user)

    response = client.get(url)

    assert response.status_code == 200
    assert_strict_policy(response)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/comptoir/", "/admin/", "/admin/members/member/", "/audit/"])
def test_staff_audit_and_admin_pages_carry_the_policy_and_are_never_stored(client, staff_user, no_second_factor, url):
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    staff_user.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
    Comptoir.objects.create(name="Comptoir des Achards")
    client.force_login(staff_user)

    response = client.get(url)

    assert response.status_code == 200
    assert_strict_policy(response)
    assert "no-store" in response["Cache-Control"]


def test_api_answers_to_a_token_are_never_stored(make_member):
    alice = make_member(username="alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=alice.user, actor=None)[1]}")

    response = client.get("/api/members/me/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_an_anonymous_api_read_and_a_static_file_are_cacheable(db, live_server):
    import urllib.request

    for anonymous in [APIClient().get("/api/units/"), Client().get("/public/transparency/")]:
        assert anonymous.status_code == 200
        assert "no-store" not in anonymous.get("Cache-Control", "")
    with urllib.request.urlopen(f"{live_server.url}/static/js/bocage.js") as static:
        assert "no-store" not in (static.headers.get("Cache-Control") or "")


INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=[\"']|\son[a-z]+=[\"']", re.IGNORECASE)


def test_no_template_holds_an_inline_script_style_or_event_handler():
    """The policy would block them: every behaviour lives in static/js, every style in static/css."""
    templates = [path for path in ROOT.glob("**/templates/**/*.html") if ".venv" not in path.parts]
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in templates
        for match in INLINE.finditer(path.read_text())
    ]

    assert len(templates) > 50
    assert offenders == []
