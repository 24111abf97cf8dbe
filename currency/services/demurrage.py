"""Demurrage (fonte): idle local currency melts a little once per period, into the demurrage fund.

The rule (the usual one of French MLCs): at the end of each period, every open member account of
the unit pays `rate × (balance − exempt_below)`, rounded half up to the minor unit, when its
balance is above `exempt_below`; never more than it can pay (balance − held − min_balance).

- The period charged is the one that has just ENDED: a run on 2027-01-01 (or any day of the
  next quarter) charges "2026-Q4". Running the task daily is therefore harmless.
- The balance is the one at run time, not an average over the period: simple, explainable, and
  what the member sees on the dashboard preview.
- Each account is its own small database transaction: lock the account and the fund, check for
  a charge of this period, post `member −d, demurrage_fund +d` (ledger idempotency key
  `demurrage:<unit>:<period>:<account>`) and insert the DemurrageCharge row (UNIQUE account +
  period) together. A rerun, a concurrent run or a run after a crash skips the accounts done.
"""

from __future__ import annotations

import datetime
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.utils import timezone

from core.errors import ApplicationError
from core.retries import with_retries
from core.typing import Actor
from currency.memos import DEMURRAGE
from currency.models import DemurrageCharge
from ledger import memos
from ledger.kinds import POSTING
from ledger.models import Account
from ledger.selectors import open_member_account_ids
from ledger.services import Leg, lock_accounts, post_locked, request_fingerprint, system_account
from ledger.units import Unit, get_unit

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def _unit(unit: Unit | str) -> Unit:
    return unit if isinstance(unit, Unit) else get_unit(unit)


def _period_kind(unit: Unit) -> str:
    if unit.demurrage is None:
        raise ValueError(f"unit {unit.code} has no demurrage")
    return unit.demurrage.period


def demurrage_period(unit: Unit | str, day: datetime.date) -> str:
    """The name of the period containing `day`: "2026-11" (month), "2026-Q4" (quarter), "2026" (year)."""
    kind = _period_kind(_unit(unit))
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}"


def demurrage_period_start(unit: Unit | str, day: datetime.date) -> datetime.date:
    """The first day of the period containing `day`."""
    kind = _period_kind(_unit(unit))
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def demurrage_next_run(unit: Unit | str, day: datetime.date) -> datetime.date:
    """The day the period containing `day` ends and is charged: the first day of the next period."""
    kind = _period_kind(_unit(unit))
    start = demurrage_period_start(unit, day)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    month_index = start.month - 1 + months
    return start.replace(year=start.year + month_index // 12, month=month_index % 12 + 1)


def demurrage_due_period(unit: Unit | str, day: datetime.date) -> str:
    """The period a run on `day` charges: the one that ended last."""
    return demurrage_period(unit, demurrage_period_start(unit, day) - datetime.timedelta(days=1))


def demurrage_amount(unit: Unit | str, account: Account) -> int:
    """What the account would pay now (minor units; 0 for nothing): see the module's rule."""
    config = _unit(unit).demurrage
    if config is None or account.kind != Account.Kind.MEMBER or account.status != Account.Status.OPEN:
        return 0
    taxable = account.balance - config.exempt_below
    if taxable <= 0:
        return 0
    charge = int((config.rate * Decimal(taxable)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    available = account.available
    if available is not None:
        charge = min(charge, available)
    return max(charge, 0)


def demurrage_charge_account(*, account_id: int, unit: str, period: str, actor: Actor = None) -> DemurrageCharge | None:
    """Charge one account for one period, at most once; None if nothing is due or already done.

    A frozen or closed account is skipped (None). Raises AccountNotFound, AccountFrozen (the
    demurrage fund itself frozen).
    """
    unit_config = get_unit(unit)
    fund = system_account(Account.SystemCode.DEMURRAGE_FUND, unit)
    key = f"demurrage:{unit}:{period}:{account_id}"

    def attempt() -> DemurrageCharge | None:
        with transaction.atomic(durable=True):
            accounts = lock_accounts([account_id, fund.pk])
            account = accounts[account_id]
            if DemurrageCharge.objects.filter(account_id=account_id, period=period).exists():
                return None
            amount = demurrage_amount(unit_config, account)
            if amount <= 0:
                return None
            memo = memos.memo(DEMURRAGE, period=period)
            txn = post_locked(
                legs=[
                    Leg(account_id=account_id, amount=-amount, unit=unit),
                    Leg(account_id=fund.pk, amount=amount, unit=unit),
                ],
                accounts=accounts,
                kind=POSTING,
                memo=memo,
                actor=actor,
                idempotency_key=key,
                request_hash=request_fingerprint(["demurrage", unit, period, account_id]),
            )
            return DemurrageCharge.objects.create(account=account, period=period, amount=amount, transaction=txn)

    try:
        return with_retries(attempt)
    except IntegrityError:
        # A concurrent run committed this account's charge between our check and our insert.
        if DemurrageCharge.objects.filter(account_id=account_id, period=period).exists():
            return None
        raise


def demurrage_apply(
    *, unit: str | None = None, period: str | None = None, now: datetime.datetime | None = None, actor: Actor = None
) -> int:
    """Charge every open member account of `unit` for `period` (default: the period that just
    ended); returns how many accounts were charged. Safe to run twice, concurrently, or again
    after a crash: each account is charged once per period.
    """
    unit = unit or settings.BOCAGE_LOCAL_UNIT
    unit_config = get_unit(unit)
    if unit_config.demurrage is None:
        return 0
    day = timezone.localdate(now or timezone.now())
    period = period or demurrage_due_period(unit_config, day)
    exempt = unit_config.demurrage.exempt_below
    charged = 0
    after_id = 0
    while True:
        due = open_member_account_ids(
            unit=unit,
            balance_above=exempt,
            after_id=after_id,
            limit=BATCH_SIZE,
            unless=DemurrageCharge.objects.filter(account_id=OuterRef("pk"), period=period),
        )
        if not due:
            return charged
        for account_id in due:
            try:
                if demurrage_charge_account(account_id=account_id, unit=unit, period=period, actor=actor) is not None:
                    charged += 1
            except ApplicationError as exc:
                # One account refused (frozen or closed meanwhile): the others still melt.
                logger.warning("demurrage %s %s: account %s skipped (%s)", unit, period, account_id, exc.code)
        after_id = due[-1]
