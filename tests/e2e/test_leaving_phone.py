"""A member with nothing left in their accounts leaves Bocage from a phone: profile → « Quitter
Bocage » → the rules and « nothing keeps you » → password and checkbox → the goodbye page, logged out."""

from __future__ import annotations

import pytest

from members.models import Member
from tests.conftest import PASSWORD

from .conftest import go_to, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_with_zero_balances_leaves_from_a_phone(page, live_server, make_member):
    member = make_member(username="jeanne", display_name="Jeanne Texier")
    log_in(page, live_server, "jeanne", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})

    go_to(page, "Mon argent", "Mon profil")
    page.wait_for_url(f"{live_server.url}/me/profile/")
    page.click("a[href='/me/close/']")
    page.wait_for_url(f"{live_server.url}/me/close/")
    assert page.inner_text("h1") == "Quitter Bocage"
    assert page.locator("[data-testid=leaving-ready]").is_visible()
    assert page.locator("section.card a[href='/me/data/']").count() == 1
    assert no_horizontal_scroll(page)

    page.fill("#id_password", PASSWORD)
    page.check("#id_confirm")
    page.click("text=Fermer mon compte")
    page.wait_for_url(f"{live_server.url}/me/close/goodbye/")
    assert page.inner_text("h1") == "Au revoir"
    assert no_horizontal_scroll(page)
    member.refresh_from_db()
    assert member.status == Member.Status.CLOSED

    page.goto(f"{live_server.url}/me/profile/")
    assert "/accounts/login/" in page.url
