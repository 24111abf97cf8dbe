"""The written-out representations of transactions and entries give what their declared fields give."""

from __future__ import annotations

from typing import Any

import pytest
from djmoney.money import Money
from rest_framework import serializers

from ledger import services
from ledger.api.serializers import TransactionEntrySerializer, TransactionSerializer
from ledger.models import Entry, Transaction
from tests.conftest import account_of
from tests.currency.funding import give_ach


def generic(serializer: serializers.ModelSerializer, instance: Any) -> dict[str, Any]:
    """DRF's own field-by-field representation, which the written-out one replaces."""
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


@pytest.fixture
def postings(make_member):
    alice, bruno = make_member(username="alice"), make_member(username="bruno")
    funding = give_ach(alice, "20")  # four legs in two units (ACH and EUR), no actor
    paid = services.transfer_create(
        from_account=account_of(alice, "ACH"),
        to_account=account_of(bruno, "ACH"),
        amount=Money("7.35", "ACH"),
        memo="Pain | œufs",
        actor=alice.user,
    )
    hours = services.transfer_create(
        from_account=account_of(bruno, "HRS"),
        to_account=account_of(alice, "HRS"),
        amount=Money("1.5", "HRS"),
        actor=None,
    )
    reversal = services.transaction_reverse(transaction_to_reverse=hours, actor=bruno.user, memo="erreur")
    return [funding, paid, hours, reversal]


def test_a_transaction_reads_the_same_as_through_its_declared_fields(postings):
    for posting in postings:
        stored = Transaction.objects.get(pk=posting.pk)  # entries and reversal read back, not remembered
        serializer = TransactionSerializer(stored)
        assert serializer.data == generic(TransactionSerializer(stored), stored)
    reversed_hours = TransactionSerializer(Transaction.objects.get(pk=postings[2].pk)).data
    assert reversed_hours["reversed_by"] == postings[3].pk
    assert TransactionSerializer(Transaction.objects.get(pk=postings[3].pk)).data["reverses"] == postings[2].pk
    assert TransactionSerializer(Transaction.objects.get(pk=postings[0].pk)).data["actor"] is None
    assert TransactionSerializer(Transaction.objects.get(pk=postings[1].pk)).data["actor"] == "alice"


def test_an_entry_reads_the_same_as_through_its_declared_fields(postings):
    entries = list(Entry.objects.filter(transaction__in=postings).order_by("id"))
    assert {entry.unit for entry in entries} == {"ACH", "EUR", "HRS"}
    assert any(entry.amount < 0 for entry in entries)
    for entry in entries:
        assert TransactionEntrySerializer(entry).data == generic(TransactionEntrySerializer(entry), entry)


def test_a_transaction_just_posted_reads_as_it_will_once_stored(postings):
    just_posted = postings[1]
    assert just_posted.written_entries is not None
    assert (
        TransactionSerializer(just_posted).data
        == TransactionSerializer(Transaction.objects.get(pk=just_posted.pk)).data
    )
