"""The time bank's page: record a service, confirm it as its receiver, reward a volunteer."""

from __future__ import annotations

import datetime

from django.test import Client

from ledger.models import Transaction
from members.models import Member
from tests.conftest import PASSWORD, account_of
from timebank.models import ServiceRecord


def client_for(member: Member, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    assert client.login(username=member.user.username, password=PASSWORD)
    return client


def test_the_time_bank_page_records_a_service_and_the_receiver_confirms_it(make_member):
    louis = make_member(username="louis", display_name="Louis")
    camille = make_member(username="camille", display_name="Camille")
    page = client_for(louis, "en").get("/timebank/")
    assert page.status_code == 200 and "Record a service I gave" in page.content.decode()

    sent = client_for(louis).post(
        "/timebank/",
        {
            "action": "record",
            "record-receiver": "camille",
            "record-hours": "1 h 30",
            "record-description": "Tonte",
            "record-performed_on": datetime.date.today().isoformat(),
        },
    )
    assert sent.status_code == 302, sent.content.decode()
    record = ServiceRecord.objects.get()
    assert record.amount == 150

    receiver_page = client_for(camille, "en").get("/timebank/").content.decode()
    assert "Tonte" in receiver_page and "1 h 30" in receiver_page
    assert client_for(louis).post(f"/timebank/records/{record.pk}/confirm/").status_code == 302
    assert ServiceRecord.objects.get().status == ServiceRecord.Status.PENDING  # only the receiver confirms
    assert client_for(camille).post(f"/timebank/records/{record.pk}/confirm/").status_code == 302
    assert account_of(louis, "HRS").balance == 150
    assert client_for(camille).post(f"/timebank/records/{record.pk}/confirm/").status_code == 302
    assert Transaction.objects.count() == 1


def test_a_bad_duration_is_a_form_error_in_french(make_member):
    louis = make_member(username="louis")
    make_member(username="camille")
    page = client_for(louis).post(
        "/timebank/",
        {
            "action": "record",
            "record-receiver": "camille",
            "record-hours": "1 h 75",
            "record-description": "Tonte",
            "record-performed_on": datetime.date.today().isoformat(),
        },
    )
    assert page.status_code == 200
    assert 'lang="fr"' in page.content.decode() and 'class="field invalid"' in page.content.decode()
    assert ServiceRecord.objects.count() == 0


def test_an_association_rewards_a_volunteer_from_the_page(make_member):
    association = make_member(kind=Member.Kind.ASSOCIATION, username="comite")
    louis = make_member(username="louis")
    page = client_for(association).get("/timebank/").content.decode()
    assert 'id="reward-form"' in page
    assert 'id="reward-form"' not in client_for(louis).get("/timebank/").content.decode()
    form = {
        "action": "reward",
        "reward-idempotency_key": "k1",
        "reward-volunteer": "louis",
        "reward-hours": "2 h 30",
        "reward-description": "Buvette",
    }
    assert client_for(association).post("/timebank/", form).status_code == 302
    assert client_for(association).post("/timebank/", form).status_code == 302  # same form again: posted once
    assert account_of(louis, "HRS").balance == 250
