"""Transaction kinds are rows registered by the apps that own them: the database refuses any other."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import override

from cooperative.kinds import SHARE_REDEMPTION, SHARE_SUBSCRIPTION
from crowdfunding.kinds import CAMPAIGN_PAYOUT
from currency.kinds import CONVERSION, DEMURRAGE, PAYMENT_REQUEST, RECONVERSION
from ledger import kinds
from ledger.kinds import HOLD_CAPTURE, POSTING, REVERSAL, STANDING_ORDER, TRANSFER
from ledger.models import Entry, Transaction, TransactionKind
from membership.kinds import MEMBERSHIP
from places.kinds import BOOKING_COUNTER, CARNET_PURCHASE, CREDIT_EXPIRY, CREDIT_GRANT
from timebank.kinds import SERVICE

EVERY_KIND = {
    TRANSFER,
    POSTING,
    HOLD_CAPTURE,
    REVERSAL,
    CONVERSION,
    RECONVERSION,
    DEMURRAGE,
    MEMBERSHIP,
    PAYMENT_REQUEST,
    SERVICE,
    CAMPAIGN_PAYOUT,
    SHARE_SUBSCRIPTION,
    SHARE_REDEMPTION,
    BOOKING_COUNTER,
    CARNET_PURCHASE,
    CREDIT_GRANT,
    CREDIT_EXPIRY,
    STANDING_ORDER,
}


@pytest.mark.django_db(transaction=True)
def test_every_app_registers_its_kinds_and_each_has_its_row_even_after_a_flush():
    assert {spec.code for spec in kinds.registered()} == EVERY_KIND
    assert set(TransactionKind.objects.values_list("code", flat=True)) == EVERY_KIND


def test_a_kind_keeps_its_translated_label():
    with override("fr"):
        labels = {code: kinds.label(code) for code in (TRANSFER, CAMPAIGN_PAYOUT, SHARE_SUBSCRIPTION, SERVICE)}
        shown = str(Transaction(kind_id=HOLD_CAPTURE))
    with override("en"):
        english = kinds.label(MEMBERSHIP)
    assert labels == {
        TRANSFER: "Virement",
        CAMPAIGN_PAYOUT: "Versement de campagne",
        SHARE_SUBSCRIPTION: "Souscription de parts",
        SERVICE: "Service de la banque de temps",
    }
    assert shown == "#None Réservation encaissée"
    assert english == "Membership fee"


@pytest.mark.django_db(transaction=True)
def test_a_raw_insert_of_an_unknown_kind_is_refused_and_writes_nothing():
    before = Transaction.objects.count(), Entry.objects.count()

    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_transaction (kind, memo, created_at, request_hash) VALUES (%s, %s, %s, %s)",
            ["bogus", "", timezone.now(), ""],
        )

    assert "foreign key" in str(refused.value).lower()
    assert (Transaction.objects.count(), Entry.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_an_orm_create_of_an_unknown_kind_is_refused_and_writes_nothing():
    before = Transaction.objects.count()

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Transaction.objects.create(kind_id="bogus", memo="")

    assert "foreign key" in str(refused.value).lower()
    assert Transaction.objects.count() == before
