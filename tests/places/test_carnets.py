"""Carnets: bought in one posting (money and credits), usable where and while they are valid,
what is left expires once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ledger.errors import InsufficientFunds
from ledger.models import Account, Hold, Transaction
from places.models import Pass, PassOffer
from places.selectors.credits import carnet_account, credit_issuer, seller_account
from places.selectors.passes import member_passes, usable_carnets
from places.services.carnets import carnet_buy, carnets_expire_due
from tests.factories import account_of
from tests.places.booking_setup import funded_member, make_place, make_resource

pytestmark = pytest.mark.django_db


def ten_days(place, **fields) -> PassOffer:
    values = dict(
        place=place,
        name="Carnet 10 jours",
        unit="CRJ",
        quantity=1000,
        price_unit="ACH",
        price=10000,
        validity_days=180,
        resource_kind="desk",
    )
    values.update(fields)
    return PassOffer.objects.create(**values)


def test_a_carnet_is_bought_in_one_posting_money_and_credits():
    place = make_place()
    desk = make_resource(place, "Open space", capacity=6)
    room = make_resource(place, "Salle", kind="meeting_room")
    camille = funded_member("camille", "150.00")
    offer = ten_days(place)

    carnet = carnet_buy(offer=offer, member=camille, actor=camille.user, idempotency_key="k1")

    assert carnet.valid_until == timezone.localdate() + dt.timedelta(days=179)
    account_of(camille, "ACH").refresh_from_db()
    assert account_of(camille, "ACH").balance == 5000
    assert seller_account(place, "ACH").balance == 10000
    assert carnet_account(carnet.pk, "CRJ").balance == 1000
    assert credit_issuer(place, "CRJ").balance == -1000
    assert carnet.purchase.kind_id == "carnet_purchase"
    assert carnet.purchase.entries.count() == 4
    # The same key again: the same carnet, nothing more posted.
    again = carnet_buy(offer=offer, member=camille, actor=camille.user, idempotency_key="k1")
    assert again.pk == carnet.pk and Transaction.objects.filter(kind_id="carnet_purchase").count() == 1
    today = timezone.localdate()
    assert usable_carnets(camille, desk, today) == [(carnet, carnet.account)]
    assert usable_carnets(camille, room, today) == []  # a desk carnet
    assert usable_carnets(camille, desk, carnet.valid_until + dt.timedelta(days=1)) == []
    assert [row.left for row in member_passes(camille).carnets] == [1000]


def test_insufficient_funds_writes_nothing():
    place = make_place()
    poor = funded_member("poor", "20.00")
    offer = ten_days(place)
    before = Transaction.objects.count(), Account.objects.count()

    with pytest.raises(InsufficientFunds):
        carnet_buy(offer=offer, member=poor, actor=poor.user, idempotency_key="k2")

    assert Pass.objects.count() == 0
    assert (Transaction.objects.count(), Account.objects.filter(system_code="credit").count()) == (before[0], 0)
    account_of(poor, "ACH").refresh_from_db()
    assert account_of(poor, "ACH").balance == 2000


def test_a_free_network_offer_posts_only_the_credits_and_is_usable_everywhere():
    place = make_place()
    desk = make_resource(place, "Open space", capacity=6)
    member = funded_member("free", "0")
    offer = PassOffer.objects.create(
        place=None, name="Essai", unit="CRJ", quantity=100, price_unit="ACH", price=0, validity_days=30
    )

    carnet = carnet_buy(offer=offer, member=member, actor=member.user)

    assert carnet.purchase.entries.count() == 2
    assert credit_issuer(None, "CRJ").balance == -100
    assert usable_carnets(member, desk, timezone.localdate()) == [(carnet, carnet.account)]


def test_expiry_gives_back_what_is_left_available_once():
    place = make_place()
    member = funded_member("late", "150.00")
    carnet = carnet_buy(offer=ten_days(place), member=member, actor=member.user)
    account = carnet.account
    # A booking holds one day of it (helper B's bookings do this through the ledger's holds).
    from ledger.services import hold_create

    hold_create(
        from_account=account,
        to_account=credit_issuer(place, "CRJ"),
        amount=account.unit_config.to_money(100),
        actor=None,
        expires_at=timezone.now() + dt.timedelta(days=400),
    )
    later = timezone.now() + dt.timedelta(days=181)

    assert carnets_expire_due(now=timezone.now()) == 0
    assert carnets_expire_due(now=later) == 1
    assert carnets_expire_due(now=later) == 0

    account.refresh_from_db()
    carnet.refresh_from_db()
    assert (account.balance, account.held) == (100, 100)  # the held day stays for its booking
    assert credit_issuer(place, "CRJ").balance == -100
    assert carnet.expired_at == later
    assert Transaction.objects.filter(kind_id="credit_expiry").count() == 1
    assert Hold.objects.filter(status="pending").count() == 1
