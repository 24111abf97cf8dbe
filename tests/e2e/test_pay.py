"""A member logs in, pays another member in hours, and sees both balances move."""

from __future__ import annotations

import pytest

from ledger.models import Entry, Transaction
from tests.conftest import PASSWORD, account_of

from .conftest import go_to, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_pays_another_in_hours_and_sees_the_balance_move(page, live_server, make_member):
    camille = make_member(username="camille", display_name="Camille")
    louis = make_member(username="louis", display_name="Louis")

    log_in(page, live_server, "camille", PASSWORD)
    assert page.inner_text("[data-testid=balance-HRS]") == "0 h"

    go_to(page, "Mon argent", "Payer quelqu’un")
    page.fill("#id_recipient", "louis")
    page.select_option("#id_unit", "HRS")
    page.fill("#id_amount", "1,5")
    page.fill("#id_memo", "Aide au jardin")
    page.click("#pay-submit")

    page.wait_for_selector("[data-testid=statement-balance]")
    assert page.inner_text("[data-testid=statement-balance]") == "−1 h 30"
    assert "Aide au jardin" in page.inner_text("table.statement")
    assert account_of(camille, "HRS").balance == -150
    assert account_of(louis, "HRS").balance == 150

    go_to(page, "Mon argent", "Mes comptes")
    assert page.inner_text("[data-testid=balance-HRS]") == "−1 h 30"
    assert page.inner_text("[data-testid=available-HRS]") == "18 h 30"


def test_sending_the_same_payment_form_twice_posts_once(page, live_server, make_member):
    camille = make_member(username="camille", display_name="Camille")
    make_member(username="louis", display_name="Louis")
    log_in(page, live_server, "camille", PASSWORD)

    page.goto(f"{live_server.url}/pay/")
    page.fill("#id_recipient", "louis")
    page.select_option("#id_unit", "HRS")
    page.fill("#id_amount", "2")
    form_html = page.content()
    page.click("#pay-submit")
    page.wait_for_selector("[data-testid=statement-balance]")

    # The member goes back and sends the very same form (same idempotency key) again.
    page.set_content(form_html)
    page.evaluate(f"document.getElementById('pay-form').action = '{live_server.url}/pay/'")
    page.click("#pay-submit")
    page.wait_for_load_state()

    assert Transaction.objects.count() == 1
    assert Entry.objects.filter(account=account_of(camille, "HRS")).count() == 1
    assert account_of(camille, "HRS").balance == -200


def test_a_payment_beyond_the_limit_shows_a_form_error_and_posts_nothing(page, live_server, make_member):
    camille = make_member(username="camille", display_name="Camille")
    make_member(username="louis", display_name="Louis")
    log_in(page, live_server, "camille", PASSWORD)

    page.goto(f"{live_server.url}/pay/")
    page.fill("#id_recipient", "louis")
    page.select_option("#id_unit", "HRS")
    page.fill("#id_amount", "25")
    page.click("#pay-submit")

    error = page.inner_text(".field.invalid .error")
    assert "20 h" in error
    assert Transaction.objects.count() == 0
    assert account_of(camille, "HRS").balance == 0
