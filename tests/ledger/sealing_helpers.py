"""A small ledger, posted through the services, for the seal and verification tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from djmoney.money import Money

from ledger import services
from ledger.models import Account, Transaction
from tests.conftest import account_of
from tests.currency.funding import give_ach

LATER = timedelta(minutes=5)  # far enough past every posting's created_at for the lag


@dataclass
class SmallLedger:
    alice: Account  # HRS
    bruno: Account  # HRS
    transactions: list[Transaction]


def small_ledger(make_member) -> SmallLedger:
    """Alice pays Bruno 3 h then 1.5 h, Bruno gets 20 ACH at a comptoir, Alice holds 2 h towards Bruno."""
    alice_member, bruno_member = make_member(username="alice"), make_member(username="bruno")
    alice, bruno = account_of(alice_member, "HRS"), account_of(bruno_member, "HRS")
    first = services.transfer_create(
        from_account=alice, to_account=bruno, amount=Money("3", "HRS"), actor=None, memo="Jardin | haies\\taille"
    )
    second = services.transfer_create(from_account=alice, to_account=bruno, amount=Money("1.5", "HRS"), actor=None)
    third = give_ach(bruno_member, "20")
    services.hold_create(from_account=alice, to_account=bruno, amount=Money("2", "HRS"), actor=None)
    return SmallLedger(alice=alice, bruno=bruno, transactions=[first, second, third])


def later():
    return timezone.now() + LATER
