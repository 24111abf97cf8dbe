"""Timing of the two batch jobs at scale (not a test, not in CI: its name is no test_*.py).

Run it explicitly, on PostgreSQL:

    DATABASE_URL=postgres://… MEASURE_SIZE=10000 .venv/bin/pytest -q -s -p no:cacheprovider \
        tests/crowdfunding/measure_batch_jobs.py

It loads MEASURE_SIZE backers (bulk inserts; their ACH funded by one batch of conversions), one
pledge of 10 ACH each held towards a campaign's escrow (holds bulk-inserted, `held` set in the same
transaction), then times the whole closing (decide, settle in chunks, pay out); then MEASURE_SIZE
accounts' demurrage. MEASURE_SINGLE=1000 also times that many accounts charged one at a time by
demurrage_charge_account (the path every account took before) and a campaign settled one pledge
per chunk. It prints the figures and /proc/loadavg.
"""

from __future__ import annotations

import datetime
import os
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from bench.population import _members
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.closing import campaigns_close_due
from currency.kinds import CONVERSION
from currency.models import DemurrageCharge
from currency.services.demurrage import demurrage_apply, demurrage_charge_account, demurrage_due_period
from ledger.models import Account, Hold
from ledger.services import BatchTransfer, system_account, transaction_post, transactions_post_batch
from ledger.units import all_units, get_unit
from members.models import Member
from tests.conftest import requires_postgresql
from tests.crowdfunding.helpers import live_campaign

pytestmark = [requires_postgresql(), pytest.mark.django_db(transaction=True)]

SIZE = int(os.environ.get("MEASURE_SIZE", "10000"))
SINGLE = int(os.environ.get("MEASURE_SINGLE", "0"))


def loadavg() -> str:
    with open("/proc/loadavg") as load:
        return load.read().strip()


def funded_accounts(prefix: str, count: int, amount: str = "300") -> list[Account]:
    """`count` members with an ACH account holding `amount` each (one conversion batch)."""
    members = _members(prefix, count, Member.Kind.INDIVIDUAL)
    accounts = Account.objects.bulk_create(
        [Account(kind=Account.Kind.MEMBER, holder=member, unit="ACH", min_balance=0) for member in members]
    )
    total = Money(Decimal(amount) * count, "EUR")
    issuance = system_account(Account.SystemCode.ISSUANCE, "ACH")
    with transaction.atomic(durable=True):
        transaction_post(
            legs=[
                (system_account(Account.SystemCode.WORLD, "EUR"), -total),
                (system_account(Account.SystemCode.GUARANTEE_FUND, "EUR"), total),
            ],
            kind=CONVERSION,
            memo="measure",
            actor=None,
        )
        transactions_post_batch(
            transfers=[BatchTransfer(issuance.pk, account.pk, Money(amount, "ACH")) for account in accounts],
            actor=None,
            kind=CONVERSION,
            check_membership=False,
        )
    return accounts


def pledged_campaign(prefix: str, count: int) -> Campaign:
    owner = _members(f"{prefix}-owner", 1, Member.Kind.ASSOCIATION)[0]
    Account.objects.create(kind=Account.Kind.MEMBER, holder=owner, unit="ACH", min_balance=0)
    campaign = live_campaign(owner, goal="10")
    backers = funded_accounts(prefix, count)
    with transaction.atomic(durable=True):
        holds = Hold.objects.bulk_create(
            [
                Hold(debit_account=a, credit_account_id=campaign.escrow_account_id, unit="ACH", amount=1000)
                for a in backers
            ]
        )
        Account.objects.filter(pk__in=[a.pk for a in backers]).update(held=1000)
        Pledge.objects.bulk_create(
            [
                Pledge(campaign=campaign, backer_id=a.holder_id, unit="ACH", amount=1000, hold=hold)
                for a, hold in zip(backers, holds, strict=True)
            ]
        )
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now - datetime.timedelta(days=10), deadline=now - datetime.timedelta(seconds=1)
    )
    return campaign


def test_measure_closing(capsys):
    campaign = pledged_campaign("close", SIZE)
    started, load = time.perf_counter(), loadavg()
    if os.environ.get("MEASURE_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        report = profile.runcall(campaigns_close_due)
        with capsys.disabled():
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    else:
        report = campaigns_close_due()
    seconds = time.perf_counter() - started
    campaign.refresh_from_db()
    assert (campaign.status, report.pledges_settled) == (Campaign.Status.PAID_OUT, SIZE)
    with capsys.disabled():
        print(f"\nclosing {SIZE} pledges (chunks of 500): {seconds:.2f} s; loadavg before {load}, after {loadavg()}")
    if SINGLE:
        single = pledged_campaign("one-by-one", SINGLE)
        started, load = time.perf_counter(), loadavg()
        campaigns_close_due(chunk_size=1)
        seconds = time.perf_counter() - started
        single.refresh_from_db()
        assert single.status == Campaign.Status.PAID_OUT
        with capsys.disabled():
            print(f"closing {SINGLE} pledges one per transaction: {seconds:.2f} s; loadavg {load} → {loadavg()}")


def test_measure_demurrage(capsys, settings):
    settings.BOCAGE_UNITS = {
        **settings.BOCAGE_UNITS,
        "ACH": {
            **settings.BOCAGE_UNITS["ACH"],
            "demurrage": {"rate": "0.02", "period": "quarter", "exempt_below": "100"},
        },
    }
    all_units.cache_clear()
    try:
        accounts = funded_accounts("melt", SIZE)
        started, load = time.perf_counter(), loadavg()
        if os.environ.get("MEASURE_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            charged = profile.runcall(demurrage_apply, unit="ACH")
            with capsys.disabled():
                pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        else:
            charged = demurrage_apply(unit="ACH")
        seconds = time.perf_counter() - started
        assert charged == SIZE == DemurrageCharge.objects.count()
        assert system_account(Account.SystemCode.DEMURRAGE_FUND, "ACH").balance == SIZE * 400
        with capsys.disabled():
            print(f"\ndemurrage {SIZE} accounts (chunks of 500): {seconds:.2f} s; loadavg {load} → {loadavg()}")
        if SINGLE:
            period = demurrage_due_period(get_unit("ACH"), timezone.localdate()) + "x"
            started, load = time.perf_counter(), loadavg()
            for account in accounts[:SINGLE]:
                assert demurrage_charge_account(account_id=account.pk, unit="ACH", period=period) is not None
            seconds = time.perf_counter() - started
            with capsys.disabled():
                print(f"demurrage {SINGLE} accounts one at a time: {seconds:.2f} s; loadavg {load} → {loadavg()}")
    finally:
        all_units.cache_clear()
