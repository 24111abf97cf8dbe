"""On a phone: a resident signs up, opens the link of the mail in the outbox, lands on the welcome
page, pays the membership in ACH (given first as at an exchange office) and then pays someone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.models import OutboundEmail
from members.models import Commune, Member
from membership.models import Consent, MembershipPayment
from tests.conftest import account_of
from tests.currency.funding import give_ach

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "bocage-haies-2026!"


def test_a_resident_signs_up_on_a_phone_confirms_pays_the_membership_then_pays_someone(
    page, live_server, make_member, mailoutbox
):
    louis = make_member(username="louis", display_name="Louis")
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("[data-testid=login-join]")
    page.wait_for_url(f"{live_server.url}/join/")  # loaded: the page's deferred script has run

    # The numbers of a business or an association show only for that kind.
    expect(page.locator("#id_siren")).to_be_hidden()
    expect(page.locator("#id_rna")).to_be_hidden()
    page.check("input[name=kind][value=business]")
    expect(page.locator("#id_siren")).to_be_visible()
    expect(page.locator("#id_rna")).to_be_hidden()
    page.check("input[name=kind][value=individual]")
    expect(page.locator("#id_siren")).to_be_hidden()
    page.fill("#id_display_name", "Solène Rivière")
    page.fill("#id_email", "solene@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_commune", str(Commune.objects.get(name="Martinet").pk))
    page.check("#id_accept_terms")
    page.check("#id_accept_privacy")
    page.click("[data-testid=signup-form] button[type=submit]")

    page.wait_for_selector("[data-testid=signup-sent]")
    assert not Member.objects.filter(user__username="solene@example.org").exists()
    # The outbox row keeps no body once sent: the link is read from the mail as delivered.
    assert OutboundEmail.objects.get(to=["solene@example.org"]).status == "sent"
    [delivered] = [mail for mail in mailoutbox if mail.to == ["solene@example.org"]]
    body = delivered.body
    match = re.search(r"(/join/confirm/[^/\s]+/)", body)
    assert match, body
    path = match.group(1)

    page.goto(f"{live_server.url}{path}")
    page.click("[data-testid=signup-confirm]")
    page.wait_for_selector("[data-testid=welcome-next]")
    assert "Bienvenue, Solène Rivière" in page.inner_text("h1")
    member = Member.objects.get(user__username="solene@example.org")
    assert member.membership_expires_on is None and Consent.objects.filter(user=member.user).count() == 2

    give_ach(member, "30")
    page.click("text=Payer ma cotisation")
    page.click("[data-testid=membership-pay]")
    page.wait_for_selector("text=Paiements précédents")
    assert MembershipPayment.objects.filter(member=member, unit="ACH").count() == 1

    page.goto(f"{live_server.url}/pay/")
    page.fill("#id_recipient", "louis")
    page.select_option("#id_unit", "ACH")
    page.fill("#id_amount", "5")
    page.click("#pay-submit")
    page.wait_for_selector("[data-testid=statement-balance]")
    assert account_of(member, "ACH").balance == 1500  # 30 − 10 (membership) − 5, in cents
    assert account_of(louis, "ACH").balance == 500
