"""Demurrage in chunks through the ledger's batch path: one transaction per chunk, once per account."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from currency.models import DemurrageCharge
from currency.services.demurrage import demurrage_apply, demurrage_charge_account, demurrage_charge_chunk
from ledger.kinds import POSTING
from ledger.models import Account, Transaction
from ledger.services import account_status_set, system_account
from tests.conftest import account_of

from .funding import give_ach
from .test_demurrage import NEW_YEAR, fund_balance, quarterly  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

# 2 % per quarter of the part above 100 ACH, rounded half up to the cent.
BALANCES = ["1000.00", "150.25", "5000.00", "250.00", "100.00", "333.33", "180.00"]
CHARGES = [1800, 101, 9800, 300, 0, 467, 160]


@pytest.fixture
def seven(make_member, quarterly):  # noqa: F811
    members = [make_member(username=f"voisin{i}") for i in range(len(BALANCES))]
    for member, amount in zip(members, BALANCES, strict=True):
        give_ach(member, amount)
    return [account_of(member, "ACH") for member in members]


def balances(accounts: list[Account]) -> list[int]:
    by_id = dict(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("pk", "balance"))
    return [by_id[a.pk] for a in accounts]


def test_chunks_of_two_charge_every_account_once_skip_the_frozen_one_and_a_rerun_charges_nothing(seven):
    before = balances(seven)
    account_status_set(account=seven[2], status=Account.Status.FROZEN, actor=None)

    assert demurrage_apply(unit="ACH", now=NEW_YEAR, chunk_size=2) == 5

    expected = [b - (c if i != 2 else 0) for i, (b, c) in enumerate(zip(before, CHARGES, strict=True))]
    assert balances(seven) == expected
    charged = [a.pk for a, c in zip(seven, CHARGES, strict=True) if c and a != seven[2]]
    rows = list(DemurrageCharge.objects.order_by("account_id").values_list("account_id", "period", "amount"))
    assert rows == [(a.pk, "2026-Q4", c) for a, c in zip(seven, CHARGES, strict=True) if a.pk in charged]
    assert fund_balance() == sum(CHARGES) - CHARGES[2]
    txns = Transaction.objects.filter(idempotency_key__startswith="demurrage:ACH:2026-Q4:")
    assert (txns.count(), set(txns.values_list("kind", flat=True))) == (5, {POSTING})
    assert {t.memo for t in txns} == {"Fonte 4e trimestre 2026"}

    # A rerun finds nothing due; unfrozen, the skipped account pays once, then nothing more.
    assert demurrage_apply(unit="ACH", now=NEW_YEAR, chunk_size=2) == 0
    account_status_set(account=seven[2], status=Account.Status.OPEN, actor=None)
    assert demurrage_apply(unit="ACH", now=NEW_YEAR, chunk_size=2) == 1
    assert demurrage_apply(unit="ACH", now=NEW_YEAR, chunk_size=3) == 0
    assert balances(seven) == [b - c for b, c in zip(before, CHARGES, strict=True)]
    assert DemurrageCharge.objects.count() == 6
    assert DemurrageCharge.objects.aggregate(total=Sum("amount"))["total"] == fund_balance() == sum(CHARGES)


def test_a_chunk_and_the_single_service_are_twins_under_one_key(seven):
    first = demurrage_charge_account(account_id=seven[0].pk, unit="ACH", period="2026-Q4")
    assert first is not None and first.amount == 1800

    # The chunk finds the first account charged and charges the next two only.
    assert demurrage_charge_chunk(unit="ACH", period="2026-Q4", account_ids=[a.pk for a in seven[:3]]) == (2, [])
    assert demurrage_charge_account(account_id=seven[1].pk, unit="ACH", period="2026-Q4") is None
    assert DemurrageCharge.objects.count() == 3
    assert fund_balance() == 1800 + 101 + 9800


def test_the_fund_frozen_skips_the_whole_chunk_and_writes_nothing(seven):
    fund = system_account(Account.SystemCode.DEMURRAGE_FUND, "ACH")
    account_status_set(account=fund, status=Account.Status.FROZEN, actor=None)
    before = (balances(seven), Transaction.objects.count())

    charged, skipped = demurrage_charge_chunk(unit="ACH", period="2026-Q4", account_ids=[a.pk for a in seven])

    assert (charged, skipped) == (0, [a.pk for a, c in zip(seven, CHARGES, strict=True) if c])
    assert (balances(seven), Transaction.objects.count(), DemurrageCharge.objects.count()) == (*before, 0)
