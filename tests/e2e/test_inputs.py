"""The one amount input and the one date input in a browser, on a phone: the time bank's form
succeeds on first try with its prefilled date, and the unit beside the Pay amount follows the unit
chosen."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD, account_of
from timebank.models import ServiceRecord

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_time_bank_form_succeeds_on_first_try_with_1_h_30(page, live_server, make_member):
    make_member(username="louis", display_name="Louis")
    make_member(username="camille", display_name="Camille")
    log_in(page, live_server, "louis", PASSWORD)

    page.goto(f"{live_server.url}/timebank/")
    assert page.input_value("#id_record-performed_on") == timezone.localdate().isoformat()
    assert page.inner_text("#id_record-hours_unit") == "h"
    page.fill("#id_record-receiver", "camille")
    page.fill("#id_record-hours", "1 h 30")
    page.fill("#id_record-description", "Tonte")
    page.click("#record-submit")

    page.wait_for_selector(".messages")
    record = ServiceRecord.objects.get()
    assert (record.amount, record.performed_on) == (150, timezone.localdate())
    # No horizontal scroll on a 360 px phone with the amount and date inputs.
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_unit_beside_the_pay_amount_follows_the_unit_chosen(page, live_server, make_member):
    camille = make_member(username="camille", display_name="Camille")
    make_member(username="louis", display_name="Louis")
    log_in(page, live_server, "camille", PASSWORD)

    page.goto(f"{live_server.url}/pay/")
    assert page.inner_text("#id_amount_unit") == "ACH"
    page.select_option("#id_unit", "HRS")
    assert page.inner_text("#id_amount_unit") == "h"
    page.fill("#id_recipient", "louis")
    page.fill("#id_amount", "1 h 30")
    page.click("#pay-submit")
    page.wait_for_selector("[data-testid=statement-balance]")
    assert account_of(camille, "HRS").balance == -150
