"""A business on a phone edits its profile: reached from the menu, saved, its IBAN changed (the alert
mailed), its sessions listed; no page wider than the phone."""

from __future__ import annotations

import pytest

from core.models import OutboundEmail
from members.models import Member, UserSession
from tests.conftest import PASSWORD

from .conftest import go_to, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_business_edits_its_profile_and_iban_on_a_phone(page, live_server, make_member):
    bakery = make_member(
        kind=Member.Kind.BUSINESS, username="boulangerie", display_name="Boulangerie Gaborit", email="pain@example.org"
    )
    Member.objects.filter(pk=bakery.pk).update(iban="FR1420041010050500013M02606")
    log_in(page, live_server, "boulangerie", PASSWORD)
    page.set_viewport_size({"width": 360, "height": 800})

    go_to(page, "Mon argent", "Mon profil")
    page.wait_for_url(f"{live_server.url}/me/profile/")
    assert page.inner_text("h1") == "Mon profil"
    assert no_horizontal_scroll(page)
    page.fill("#id_phone", "02 51 00 10 01")
    page.fill("#id_opening_hours", "mar.–sam. 7 h–19 h")
    page.check("#id_in_directory")
    page.check("#id_directory_shows_phone")
    page.click("text=Enregistrer mon profil")
    page.wait_for_selector(".messages >> text=Votre profil est enregistré.")
    bakery.refresh_from_db()
    assert (bakery.phone, bakery.opening_hours, bakery.directory_shows_phone) == (
        "02 51 00 10 01",
        "mar.–sam. 7 h–19 h",
        True,
    )

    page.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 189")
    page.click("text=Changer mon IBAN")
    page.wait_for_selector(".messages >> text=Votre IBAN est enregistré.")
    assert page.locator("p.warning", has_text="Votre IBAN a été modifié récemment").count() == 1
    assert no_horizontal_scroll(page)
    bakery.refresh_from_db()
    assert bakery.iban == "FR7630006000011234567890189" and bakery.iban_changed_at is not None
    assert OutboundEmail.objects.filter(to=["pain@example.org"], subject__contains="IBAN").count() == 1

    page.goto(f"{live_server.url}/security/sessions/")
    assert page.inner_text("h1") == "Mes sessions"
    assert "(cette session)" in page.inner_text("table")
    assert UserSession.objects.filter(user=bakery.user).count() == 1
    assert no_horizontal_scroll(page)
