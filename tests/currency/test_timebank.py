"""Time bank: the provider asks, the receiver confirms (hours move once) or declines; associations
reward volunteers; the hours + minutes field; the warning near a limit."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from djmoney.money import Money

from core.errors import ApplicationError
from currency.forms_timebank import HoursField, HoursWidget, duration_to_hours
from currency.models import ServiceRecord
from currency.selectors_timebank import timebank_warning
from currency.services.timebank import (
    ServiceRecordConfirmed,
    ServiceRecordDeclined,
    service_record_confirm,
    service_record_create,
    service_record_decline,
    volunteering_reward,
)
from ledger.errors import InsufficientFunds, SameAccount
from ledger.models import Entry, Transaction
from ledger.services import transfer_create
from ledger.units import get_unit
from members.models import Member
from tests.conftest import account_of, api_client_for

HRS = get_unit("HRS")


@pytest.fixture
def louis(make_member) -> Member:
    return make_member(username="louis", display_name="Louis")


@pytest.fixture
def camille(make_member) -> Member:
    return make_member(username="camille", display_name="Camille")


def record(provider: Member, receiver: Member, hours: str = "1.5") -> ServiceRecord:
    return service_record_create(
        provider=provider,
        receiver=receiver,
        hours=Money(hours, "HRS"),
        description="Tonte de la pelouse",
        performed_on=timezone.localdate(),
        actor=provider.user,
    )


def counts() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


# --- the hours + minutes field ----------------------------------------------------------------


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
        (["1", "30"], 150),
        (["", "15"], 25),
    ],
)
def test_the_hours_field_reads_hours_and_minutes_or_decimal_hours(text, minor):
    assert HRS.to_minor(HoursField().clean(text)) == minor


@pytest.mark.parametrize("text", ["1 h 60", "abc", "1.555", "-1", "1 h 30 h", ["1", "75"], ["x", "1"]])
def test_the_hours_field_refuses_what_is_not_a_duration(text):
    with pytest.raises(Exception) as refused:
        HoursField().clean(text)
    assert refused.typename == "ValidationError"


def test_every_minute_shows_back_as_the_same_minute():
    for minute in range(60):
        minor = HRS.to_minor(Money(duration_to_hours(1, minute), "HRS"))
        assert HRS.format(minor) == (f"1 h {minute:02d}" if minute else "1 h")


def test_the_two_inputs_widget_reads_hours_and_minutes():
    field = HoursField(widget=HoursWidget)
    value = field.widget.value_from_datadict({"hours_h": "2", "hours_min": "15"}, {}, "hours")
    assert HRS.to_minor(field.clean(value)) == 225


# --- service records --------------------------------------------------------------------------


def test_a_confirmed_service_moves_the_hours_once(louis, camille):
    asked = record(louis, camille)
    assert asked.status == ServiceRecord.Status.PENDING and asked.amount == 150
    assert counts() == (0, 0)

    confirmed = service_record_confirm(record=asked, actor=camille.user)

    assert confirmed.status == ServiceRecord.Status.CONFIRMED
    assert confirmed.transaction.idempotency_key == f"service-record:{asked.pk}"
    assert account_of(camille, "HRS").balance == -150
    assert account_of(louis, "HRS").balance == 150
    before = counts()
    with pytest.raises(ServiceRecordConfirmed) as twice:
        service_record_confirm(record=asked, actor=camille.user)
    assert twice.value.code == "service_record_confirmed"
    with pytest.raises(ServiceRecordConfirmed):
        service_record_decline(record=asked, actor=camille.user)
    assert counts() == before
    assert account_of(louis, "HRS").balance == 150


def test_a_declined_service_moves_nothing_and_cannot_be_confirmed(louis, camille):
    asked = record(louis, camille)
    service_record_decline(record=asked, actor=camille.user)
    with pytest.raises(ServiceRecordDeclined):
        service_record_confirm(record=asked, actor=camille.user)
    assert counts() == (0, 0)
    assert ServiceRecord.objects.get(pk=asked.pk).status == ServiceRecord.Status.DECLINED


def test_only_the_receiver_confirms_and_only_the_provider_asks(louis, camille, make_member):
    stranger = make_member(username="stranger")
    asked = record(louis, camille)
    for actor in (louis.user, stranger.user):
        with pytest.raises(ApplicationError) as refused:
            service_record_confirm(record=asked, actor=actor)
        assert refused.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as not_yours:
        service_record_create(
            provider=louis, receiver=camille, hours=Money("1", "HRS"), description="x", actor=camille.user
        )
    assert not_yours.value.code == "permission_denied"
    with pytest.raises(SameAccount):
        service_record_create(
            provider=louis, receiver=louis, hours=Money("1", "HRS"), description="x", actor=louis.user
        )
    with pytest.raises(ApplicationError) as future:
        service_record_create(
            provider=louis,
            receiver=camille,
            hours=Money("1", "HRS"),
            description="x",
            performed_on=timezone.localdate() + datetime.timedelta(days=2),
            actor=louis.user,
        )
    assert future.value.code == "invalid"
    assert ServiceRecord.objects.count() == 1
    assert counts() == (0, 0)


def test_confirming_beyond_the_credit_limit_is_refused_and_the_record_stays_pending(louis, camille):
    asked = record(louis, camille, hours="21")
    with pytest.raises(InsufficientFunds):
        service_record_confirm(record=asked, actor=camille.user)
    assert counts() == (0, 0)
    assert ServiceRecord.objects.get(pk=asked.pk).status == ServiceRecord.Status.PENDING


def test_an_association_rewards_a_volunteer(make_member, louis, staff_user):
    association = make_member(kind=Member.Kind.ASSOCIATION, username="comite", display_name="Comité des fêtes")
    txn = volunteering_reward(
        association_account=account_of(association, "HRS"),
        member_account=account_of(louis, "HRS"),
        hours=Money("3", "HRS"),
        description="Buvette de la fête",
        actor=association.user,
    )
    assert "Buvette de la fête" in txn.memo
    volunteering_reward(
        association_account=account_of(association, "HRS"),
        member_account=account_of(louis, "HRS"),
        hours=Money("1", "HRS"),
        description="Rangement",
        actor=staff_user,
    )
    assert account_of(louis, "HRS").balance == 400
    assert account_of(association, "HRS").balance == -400

    with pytest.raises(ApplicationError) as not_an_association:
        volunteering_reward(
            association_account=account_of(louis, "HRS"),
            member_account=account_of(association, "HRS"),
            hours=Money("1", "HRS"),
            description="x",
            actor=louis.user,
        )
    assert not_an_association.value.code == "not_an_association"
    with pytest.raises(ApplicationError) as not_theirs:
        volunteering_reward(
            association_account=account_of(association, "HRS"),
            member_account=account_of(louis, "HRS"),
            hours=Money("1", "HRS"),
            description="x",
            actor=louis.user,
        )
    assert not_theirs.value.code == "permission_denied"
    assert account_of(louis, "HRS").balance == 400


# --- the warning near a limit -----------------------------------------------------------------


@translation.override("en")
def test_the_warning_appears_within_five_hours_of_either_limit(louis, camille):
    assert timebank_warning(account_of(louis, "HRS")) is None
    transfer_create(
        from_account=account_of(camille, "HRS"),
        to_account=account_of(louis, "HRS"),
        amount=Money("15", "HRS"),
        actor=None,
    )
    assert timebank_warning(account_of(camille, "HRS")) == "Only 5 h left before your credit limit of −20 h."
    assert timebank_warning(account_of(louis, "HRS")) is None
    transfer_create(
        from_account=account_of(camille, "HRS"),
        to_account=account_of(louis, "HRS"),
        amount=Money("5", "HRS"),
        actor=None,
    )
    assert "reached your credit limit" in timebank_warning(account_of(camille, "HRS"))
    assert timebank_warning(account_of(louis, "ACH")) is None


# --- API --------------------------------------------------------------------------------------


def test_api_record_confirm_and_confirm_again(louis, camille, make_member):
    provider = api_client_for(louis.user)
    receiver = api_client_for(camille.user)
    created = provider.post(
        "/api/service-records/",
        {"receiver": camille.pk, "hours": "1.5", "description": "Jardinage"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["hours"] == "1.50" and created.json()["status"] == "pending"
    pk = created.json()["id"]

    assert provider.post(f"/api/service-records/{pk}/confirm/").status_code == 403
    stranger = api_client_for(make_member(username="stranger").user)
    assert stranger.get(f"/api/service-records/{pk}/").status_code == 404
    assert stranger.post(f"/api/service-records/{pk}/confirm/").status_code == 404

    confirmed = receiver.post(f"/api/service-records/{pk}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = receiver.post(f"/api/service-records/{pk}/confirm/")
    assert again.status_code == 422 and again.json()["code"] == "service_record_confirmed"
    assert Transaction.objects.count() == 1
    assert account_of(louis, "HRS").balance == 150

    assert (
        provider.post("/api/service-records/", {"receiver": camille.pk, "hours": "x", "description": "a"}).status_code
        == 400
    )
    zero = provider.post("/api/service-records/", {"receiver": camille.pk, "hours": "0", "description": "a"})
    assert zero.status_code == 422 and zero.json()["code"] == "invalid_amount"
    assert (
        provider.post("/api/service-records/", {"receiver": 999999, "hours": "1", "description": "a"}).status_code
        == 404
    )
    assert [r["id"] for r in receiver.get("/api/service-records/").json()] == [pk]


def test_api_volunteering_reward(make_member, louis):
    association = make_member(kind=Member.Kind.ASSOCIATION, username="comite")
    body = {
        "association_account": account_of(association, "HRS").pk,
        "member_account": account_of(louis, "HRS").pk,
        "hours": "2",
        "description": "Buvette",
    }
    rewarded = api_client_for(association.user).post("/api/volunteering-rewards/", body, format="json")
    assert rewarded.status_code == 201, rewarded.content
    assert api_client_for(louis.user).post("/api/volunteering-rewards/", body, format="json").status_code == 404
    assert account_of(louis, "HRS").balance == 200
