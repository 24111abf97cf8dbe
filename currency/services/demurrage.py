"""Demurrage (fonte): idle local currency melts a little once per period, into the demurrage fund.

The rule (the usual one of French MLCs): at the end of each period, every open member account of
the unit pays `rate × (balance − exempt_below)`, rounded half up to the minor unit, when its
balance is above `exempt_below`; never more than it can pay (balance − held − min_balance).

- The period charged is the one that has just ENDED: a run on 2027-01-01 (or any day of the
  next quarter) charges "2026-Q4". Running the task daily is therefore harmless.
- The balance is the one at run time, not an average over the period: simple, explainable, and
  what the member sees on the dashboard preview.
- The run goes in chunks of accounts (ascending id, `chunk_size`), each ONE database transaction:
  lock the chunk's accounts, leave out those already charged for the period, compute each amount
  from the locked row, post every `member −d, demurrage_fund +d` through the ledger's batch path
  (`transactions_post_batch_each`, key `demurrage:<unit>:<period>:<account>`, the same fingerprint
  as the single `demurrage_charge_account`) and bulk-insert the DemurrageCharge rows (UNIQUE
  account + period) in the same transaction. A rerun, a concurrent run or a run after a crash
  finds the accounts done and skips them; an account the ledger refuses (frozen or closed
  meanwhile) is skipped and logged, the rest of its chunk is charged.
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
from ledger.locks import LockedRow, lock_batch_accounts
from ledger.models import Account
from ledger.selectors import open_member_account_ids
from ledger.services import (
    BatchTransfer,
    Leg,
    lock_accounts,
    post_locked,
    request_fingerprint,
    system_account,
    transactions_post_batch_each,
)
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


def demurrage_amount(unit: Unit | str, account: Account | LockedRow) -> int:
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


def _ledger_key(unit: str, period: str, account_id: int) -> str:
    return f"demurrage:{unit}:{period}:{account_id}"


def _request_hash(unit: str, period: str, account_id: int) -> str:
    # What the key stands for: one account's charge for one period (the amount is decided under the lock).
    return request_fingerprint(["demurrage", unit, period, account_id])


def demurrage_charge_account(*, account_id: int, unit: str, period: str, actor: Actor = None) -> DemurrageCharge | None:
    """Charge one account for one period, at most once; None if nothing is due or already done.

    A frozen or closed account is skipped (None). Raises AccountNotFound, AccountFrozen (the
    demurrage fund itself frozen).
    """
    unit_config = get_unit(unit)
    fund = system_account(Account.SystemCode.DEMURRAGE_FUND, unit)
    key = _ledger_key(unit, period, account_id)

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
                request_hash=_request_hash(unit, period, account_id),
            )
            return DemurrageCharge.objects.create(account=account, period=period, amount=amount, transaction=txn)

    try:
        return with_retries(attempt)
    except IntegrityError:
        # A concurrent run committed this account's charge between our check and our insert.
        if DemurrageCharge.objects.filter(account_id=account_id, period=period).exists():
            return None
        raise


def demurrage_charge_chunk(
    *, unit: str, period: str, account_ids: list[int], actor: Actor = None
) -> tuple[int, list[int]]:
    """Charge these accounts for `period` in one database transaction: (charged, skipped ids).

    Accounts already charged for the period, or owing nothing now, are left alone; an account
    the ledger refuses (frozen or closed meanwhile, or the fund itself frozen) is skipped and
    logged, the others charged. Raises AccountNotFound.
    """
    unit_config = get_unit(unit)
    fund = system_account(Account.SystemCode.DEMURRAGE_FUND, unit)
    memo = memos.memo(DEMURRAGE, period=period)

    def attempt() -> tuple[int, list[int]]:
        with transaction.atomic(durable=True):
            # Locked first, so that the amounts are those of the rows the batch then posts against.
            accounts = lock_batch_accounts(set(account_ids))
            done = set(
                DemurrageCharge.objects.filter(account_id__in=account_ids, period=period).values_list(
                    "account_id", flat=True
                )
            )
            due: list[tuple[int, int]] = []
            for account_id in sorted(accounts):
                if account_id in done:
                    continue
                amount = demurrage_amount(unit_config, accounts[account_id])
                if amount > 0:
                    due.append((account_id, amount))
            if not due:
                return 0, []
            outcomes = transactions_post_batch_each(
                transfers=[
                    BatchTransfer(
                        from_account_id=account_id,
                        to_account_id=fund.pk,
                        amount=unit_config.to_money(amount),
                        memo=memo,
                        idempotency_key=_ledger_key(unit, period, account_id),
                        request_hash=_request_hash(unit, period, account_id),
                    )
                    for account_id, amount in due
                ],
                actor=actor,
                kind=POSTING,
                check_membership=False,
            )
            charges: list[DemurrageCharge] = []
            skipped: list[int] = []
            for (account_id, amount), outcome in zip(due, outcomes, strict=True):
                if isinstance(outcome, ApplicationError):
                    # One account refused (frozen or closed meanwhile): the others still melt.
                    logger.warning("demurrage %s %s: account %s skipped (%s)", unit, period, account_id, outcome.code)
                    skipped.append(account_id)
                    continue
                charges.append(
                    DemurrageCharge(account_id=account_id, period=period, amount=amount, transaction=outcome)
                )
            DemurrageCharge.objects.bulk_create(charges)
            return len(charges), skipped

    try:
        return with_retries(attempt)
    except IntegrityError:
        # A concurrent run (SQLite locks nothing before the first write) charged some of these
        # accounts between our check and our insert: once more, it finds them charged.
        return with_retries(attempt)


def demurrage_apply(
    *,
    unit: str | None = None,
    period: str | None = None,
    now: datetime.datetime | None = None,
    actor: Actor = None,
    chunk_size: int = BATCH_SIZE,
) -> int:
    """Charge every open member account of `unit` for `period` (default: the period that just
    ended), `chunk_size` accounts per database transaction; returns how many accounts were
    charged. Safe to run twice, concurrently, or again after a crash: each account is charged
    once per period.
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
            limit=chunk_size,
            unless=DemurrageCharge.objects.filter(account_id=OuterRef("pk"), period=period),
        )
        if not due:
            return charged
        charged += demurrage_charge_chunk(unit=unit, period=period, account_ids=due, actor=actor)[0]
        after_id = due[-1]
