"""Time bank: the provider asks, the receiver confirms (hours move once) or declines; associations
reward volunteers; the same through the API."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from ledger.errors import InsufficientFunds, SameAccount
from ledger.models import Entry, Transaction
from members.models import Member
from tests.conftest import account_of, api_client_for
from timebank.errors import ServiceRecordConfirmed, ServiceRecordDeclined
from timebank.models import ServiceRecord
from timebank.services import (
    service_record_confirm,
    service_record_create,
    service_record_decline,
    volunteering_reward,
)


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
