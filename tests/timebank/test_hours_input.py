"""Hours as members type them: the time bank's hours field is the site's one amount input
(core.amounts.AmountField in hours), and the same refusals on the API and the page as every other
amount input (the one parser)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from djmoney.money import Money

from core.amounts import duration_to_hours
from ledger.units import get_unit
from tests.conftest import api_client_for
from tests.factories import MemberFactory
from timebank.models import ServiceRecord
from timebank.views.forms import ServiceRecordForm, hours_field

HRS = get_unit("HRS")
FRENCH_ERROR = "Saisissez un montant en chiffres, par exemple «\u00a012.50\u00a0»."


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1 h 30", 150),
        ("1h30", 150),
        ("1:30", 150),
        ("2 h", 200),
        ("0 h 45", 75),
        ("45 min", 75),
        ("1,5", 150),
        ("1.25", 125),
        ("0 h 20", 33),
        ("1 h 59", 198),
        ("1 h 30 min", 150),
        ("1 h 5 min", 108),
    ],
)
def test_the_hours_field_reads_hours_and_minutes_or_decimal_hours(text, minor):
    assert HRS.to_minor(hours_field("Hours").clean(text)) == minor


@pytest.mark.parametrize("text", ["1 h 60", "abc", "1.555", "-1", "1 h 30 h", "1,2,3", "12 €"])
def test_the_hours_field_refuses_what_is_not_a_duration_with_the_one_message(text):
    with pytest.raises(Exception) as refused:
        hours_field("Hours").clean(text)
    assert refused.typename == "ValidationError"
    assert refused.value.messages == [FRENCH_ERROR]


def test_the_service_record_form_hands_the_service_money_in_hours(db):
    MemberFactory(username="bob")  # the receiver is looked up (core.picker resolves the name)
    form = ServiceRecordForm(
        {"receiver": "bob", "hours": "1 h 30", "description": "Tonte", "performed_on": "2026-12-06"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["hours"] == Money("1.50", "HRS")
    assert form.cleaned_data["performed_on"] == datetime.date(2026, 12, 6)


def test_every_minute_shows_back_as_the_same_minute():
    for minute in range(60):
        minor = HRS.to_minor(Money(duration_to_hours(1, minute), "HRS"))
        assert HRS.format(minor) == (f"1 h {minute:02d}" if minute else "1 h")


@pytest.mark.parametrize("hours", ["1_5", "\u0661", "1e0", 1.5])
def test_the_time_bank_api_refuses_the_same_inputs_with_400_and_records_nothing(make_member, hours):
    louis = make_member(username="louis")
    camille = make_member(username="camille")
    body = {"receiver": camille.pk, "hours": hours, "description": "Tonte", "performed_on": str(datetime.date.today())}
    response = api_client_for(louis.user).post("/api/service-records/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"hours": [FRENCH_ERROR]}
    assert ServiceRecord.objects.count() == 0


def test_the_time_bank_form_refuses_arabic_indic_digits_it_used_to_read_as_hours(make_member):
    louis = make_member(username="louis")
    make_member(username="camille")
    body = {
        "action": "record",
        "record-receiver": "camille",
        "record-hours": "\u0661 h 30",
        "record-description": "Tonte",
        "record-performed_on": datetime.date.today().isoformat(),
    }
    page = client_for(louis.user).post("/timebank/", body)
    assert page.status_code == 200
    assert ServiceRecord.objects.count() == 0
