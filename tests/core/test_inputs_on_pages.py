"""The one date input and the one amount input on real pages: a prefilled form posts back valid on
first try (the time bank's used to fail), filters keep their day visible, and English pages write
numbers and dates the English way."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from ledger.models import Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of
from tests.currency.funding import give_ach
from tests.ledger.books_story import make_auditor
from timebank.models import ServiceRecord

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """The values a browser would post for one form of the page: its inputs' value attributes."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self.types: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        elif tag == "input" and self.inside and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value", "")
            self.types[attributes["name"]] = attributes.get("type", "text")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_values(html: str, form_id: str) -> FormValues:
    parser = FormValues(form_id)
    parser.feed(html)
    assert parser.values, f"no form #{form_id}"
    return parser


def client_for(user, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_time_bank_form_posts_back_its_prefilled_date_on_first_try(make_member, language):
    louis = make_member(username="louis")
    camille = make_member(username="camille")
    client = client_for(louis.user, language)
    page = client.get("/timebank/").content.decode()
    form = form_values(page, "record-form")
    today = timezone.localdate()
    assert form.types["record-performed_on"] == "date"
    assert form.values["record-performed_on"] == today.isoformat()  # not 06/12/2026: a date box shows ISO only

    body = {**form.values, "record-receiver": "camille", "record-hours": "1 h 30", "record-description": "Tonte"}
    response = client.post("/timebank/", body)
    assert response.status_code == 302, response.content.decode()
    record = ServiceRecord.objects.get()
    assert (record.performed_on, record.amount, record.receiver_id) == (today, 150, camille.pk)


def test_the_time_bank_shows_h_beside_the_hours_input(make_member):
    louis = make_member(username="louis")
    page = client_for(louis.user).get("/timebank/").content.decode()
    assert '<span class="amount-unit" id="id_record-hours_unit">h</span>' in page
    assert 'aria-describedby="id_record-hours_unit id_record-hours_helptext"' in page
    assert 'id="id_record-hours_helptext"' in page


def test_the_audit_filters_show_the_day_they_filter_on(django_user_model):
    auditor = make_auditor(django_user_model)
    client = client_for(auditor)
    log = client.get("/audit/log/", {"after": "2026-12-01", "before": "2026-12-06"}).content.decode()
    filters = form_values(log, "audit-log-filters")
    assert (filters.types["after"], filters.values["after"]) == ("date", "2026-12-01")
    assert (filters.types["before"], filters.values["before"]) == ("date", "2026-12-06")
    trial = client.get("/audit/trial-balance/", {"on": "2026-12-06"}).content.decode()
    assert 'value="2026-12-06"' in trial
    # A day typed the French way in a browser without a date picker is read, and shown back ISO.
    typed = client.get("/audit/trial-balance/", {"on": "06/12/2026"}).content.decode()
    assert 'value="2026-12-06"' in typed


def test_paying_1_234_50_typed_the_french_way_on_an_english_page_moves_the_exact_amount(make_member):
    alice = make_member(username="alice")
    bob = make_member(username="bob")
    give_ach(alice, "2000.00")
    client = Client(headers={"accept-language": "en"})
    assert client.login(username="alice", password=PASSWORD)
    body = {"recipient": "bob", "unit": "ACH", "amount": "1 234,50", "memo": "", "idempotency_key": "k"}
    response = client.post("/pay/", body, follow=True)
    assert response.status_code == 200
    assert account_of(bob, "ACH").balance == 123450
    page = response.content.decode()
    assert "Paid 1,234.50 ACH to" in page
    assert "−1,234.50 ACH" in page  # the statement, in English
    assert Transaction.objects.count() == 2  # the funding and the payment


def test_an_hour_pledge_and_a_payment_in_hours_typed_1_h_30_on_the_pay_page(make_member):
    alice = make_member(username="alice")
    bob = make_member(username="bob")
    client = client_for(alice.user)
    page = client.get("/pay/").content.decode()
    assert 'data-unit-from="unit"' in page and 'inputmode="decimal"' in page
    body = {"recipient": "bob", "unit": "HRS", "amount": "1 h 30", "memo": "", "idempotency_key": "k"}
    assert client.post("/pay/", body).status_code == 302
    assert (account_of(alice, "HRS").balance, account_of(bob, "HRS").balance) == (-150, 150)


def test_english_pages_write_amounts_and_dates_the_english_way(make_member):
    alice: Member = make_member(username="alice")
    give_ach(alice, "1234.50")
    # A date still to come (a fixed one passed on its day and the dashboard stopped showing it).
    expires = timezone.localdate() + datetime.timedelta(days=20)
    alice.membership_expires_on = expires
    alice.save(update_fields=["membership_expires_on"])
    english = client_for(alice.user, "en").get("/").content.decode()
    month = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ][expires.month - 1]
    assert "1,234.50 ACH" in english
    assert f"{expires.day} {month} {expires.year}" in english
    assert f"{month} {expires.day}, {expires.year}" not in english and f"{month[:3]}. {expires.day}," not in english
    french = client_for(alice.user, "fr").get("/").content.decode()
    assert "1\u202f234,50 ACH" in french
    mois = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    assert f"{expires.day} {mois[expires.month - 1]} {expires.year}" in french
