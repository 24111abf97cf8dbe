"""Standing orders: authorise, cancel, and pay each due period exactly once.

A period is paid by a posting of kind `standing_order` from the payer's account to the payee's,
under the ledger idempotency key `standing-order:<order id>:<period>`: whatever happens to the
execution row (a worker killed after the commit of the posting but before… nothing: they commit
together; a row lost anyhow), the key makes the payment happen at most once, and a rerun finds it.

`standing_order_run` locks the order's row, so two runs of one order (two beats, a retry, a
worker and the page) serialise: the second finds the periods already executed. The beat runs the
due orders in chunks (`standing_orders_run_chunk`): one transaction locks the chunk's orders, posts
all their due periods in one ledger batch (`transactions_post_batch_each`: each period checked
against the balances left by the ones before it, a refusal in its place), writes the executions in
bulk and calls the apps' hooks, so a chunk commits whole or not at all. One order is a chunk of one.

Refusals (insufficient funds, frozen or closed account, expired membership, limit) record the
period as missed with the error's code; the beat retries it 24 h later, at most 3 attempts in all
and only while the retry falls before the next period's due date. The payer, and the payee when
a member, are told once per missed period.

Downtime policy: after the beat was down, each due period is executed once, in order, oldest
first, each with its own key (a week down = every weekly period of that week paid, in order).
Periods whose retry window has already passed get one attempt only (a miss is then final).
A period due today (local date, Europe/Paris) is paid by the next beat (every 60 s).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos, standing_order_hooks
from ledger.errors import EndBeforeStart, InvalidAmount, InvalidDay, NoPaymentDue, StartInPast, UnitMismatch
from ledger.kinds import STANDING_ORDER
from ledger.models import Account, StandingOrder, StandingOrderExecution, Transaction
from ledger.services.batch import BatchTransfer, transactions_post_batch_each
from ledger.services.checks import check_open, check_pair, existing_for_key, request_fingerprint
from ledger.standing_order_periods import day_is_valid, next_due_date, period_key
from ledger.units import get_unit

logger = logging.getLogger("bocage.ledger")

RETRY_AFTER = timedelta(hours=24)
MAX_ATTEMPTS = 3
# The beat's chunk: this many orders by ascending id per database transaction.
CHUNK_SIZE = 500


def ledger_key(order: StandingOrder, period: str) -> str:
    """The ledger idempotency key of one period's payment."""
    return f"standing-order:{order.pk}:{period}"


def _holds(actor: Actor, account: Account) -> bool:
    holder = account.holder if account.holder_id is not None else None
    return bool(
        actor is not None
        and actor.is_authenticated
        and account.kind == Account.Kind.MEMBER
        and holder is not None
        and holder.user_id == actor.pk
    )


def standing_order_create(
    *,
    from_account: Account,
    to_account: Account,
    amount: Money,
    period: str,
    day: int,
    start: date,
    end: date | None = None,
    count: int | None = None,
    memo: str = "",
    purpose: str = "",
    actor: Actor,
    idempotency_key: str | None = None,
    today: date | None = None,
) -> StandingOrder:
    """Authorise a standing order from the actor's account (staff: any member's; actor None: the
    system). `today` is for the demo's history only.

    Raises PermissionDenied, SameAccount, UnitMismatch, InvalidAmount, InvalidDay, StartInPast,
    EndBeforeStart, NoPaymentDue, AccountFrozen, AccountClosed, IdempotencyKeyReused."""
    today = today or timezone.localdate()
    request_hash = request_fingerprint(
        [
            "standing_order",
            from_account.pk,
            to_account.pk,
            str(amount.amount),
            str(amount.currency),
            period,
            day,
            start.isoformat(),
            end.isoformat() if end else None,
            count,
            memo,
            purpose,
        ]
    )
    if idempotency_key is not None:
        existing = existing_for_key(StandingOrder, idempotency_key, request_hash)
        if existing is not None:
            return existing
    if actor is not None and not (actor.is_authenticated and actor.is_staff) and not _holds(actor, from_account):
        raise PermissionDenied()
    if str(amount.currency) != from_account.unit:
        raise UnitMismatch()
    minor = check_pair(from_account, to_account, amount)
    if minor <= 0:
        raise InvalidAmount()
    if not day_is_valid(period, day):
        raise InvalidDay()
    if start < today:
        raise StartInPast()
    if end is not None and end < start:
        raise EndBeforeStart()
    if count is not None and count < 1:
        raise InvalidAmount()
    check_open(from_account)
    check_open(to_account)
    order = StandingOrder(
        from_account=from_account,
        to_account=to_account,
        unit=from_account.unit,
        amount=minor,
        period=period,
        day=day,
        start=start,
        end=end,
        count=count,
        memo=memo,
        purpose=purpose,
        created_by=acting_user(actor),
        created_at=timezone.now(),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    order.next_due = next_due_date(order, after=None)
    if order.next_due is None:
        raise NoPaymentDue()
    try:
        with transaction.atomic():
            order.save(force_insert=True)
    except IntegrityError:
        if idempotency_key is not None:
            existing = existing_for_key(StandingOrder, idempotency_key, request_hash)
            if existing is not None:
                return existing
        raise
    return order


def standing_order_cancel(*, order: StandingOrder, actor: Actor, reason: str = "") -> StandingOrder:
    """Cancel an order: its payer or staff (actor None: the system, e.g. an app ending a plan, a
    member leaving). A repeat is a no-op. Raises PermissionDenied for anyone else (the payee too)."""
    if actor is not None and not (actor.is_authenticated and actor.is_staff) and not _holds(actor, order.from_account):
        raise PermissionDenied()

    def attempt() -> StandingOrder:
        with transaction.atomic():
            locked = (
                StandingOrder.objects.select_for_update().select_related("from_account", "to_account").get(pk=order.pk)
            )
            if locked.status != StandingOrder.Status.ACTIVE:
                return locked
            locked.status = StandingOrder.Status.CANCELLED
            locked.next_due = None
            locked.cancelled_at = timezone.now()
            locked.cancelled_by = acting_user(actor)
            locked.save(update_fields=["status", "next_due", "cancelled_at", "cancelled_by"])
            # No retry of a missed period once the payer has withdrawn the authorisation.
            locked.executions.filter(status=StandingOrderExecution.Status.MISSED, retry_at__isnull=False).update(
                retry_at=None, updated_at=timezone.now()
            )
            if reason:
                logger.info("standing order %s cancelled: %s", locked.pk, reason)
            standing_order_hooks.stopped(locked)
            return locked

    return with_retries(attempt)


def standing_orders_cancel_for_accounts(*, account_ids: list[int], reason: str = "") -> list[StandingOrder]:
    """Cancel, as the system, every active order paying from or into these accounts (a member
    leaving). Inside the caller's transaction; returns the orders cancelled."""
    orders = StandingOrder.objects.filter(
        Q(from_account_id__in=account_ids) | Q(to_account_id__in=account_ids), status=StandingOrder.Status.ACTIVE
    ).order_by("pk")
    return [standing_order_cancel(order=order, actor=None, reason=reason) for order in orders]


def standing_order_run(order_id: int, *, now: datetime | None = None) -> list[StandingOrderExecution]:
    """Execute every due period of one order not yet executed, oldest first, and its due retries.

    Safe twice and concurrently (row lock on the order, ledger key per period); inside a caller's
    atomic block it runs in it (no retry wrapper of its own). Returns the executions written."""
    moment = now or timezone.now()

    def attempt() -> list[StandingOrderExecution]:
        with transaction.atomic():
            return _run_locked([order_id], moment)

    return with_retries(attempt)


def standing_orders_run_chunk(order_ids: list[int], *, now: datetime | None = None) -> list[StandingOrderExecution]:
    """Execute the due periods and retries of these orders in ONE database transaction: the orders
    locked, every payment posted by one batch (transactions_post_batch_each), the executions
    written in bulk and the orders' apps told, committing together. An order no longer due is
    left alone, so a chunk run twice, by two workers, or after a worker died half-way pays each
    period once. Returns the executions written."""
    moment = now or timezone.now()

    def attempt() -> list[StandingOrderExecution]:
        with transaction.atomic(durable=True):
            return _run_locked(order_ids, moment)

    return with_retries(attempt)


# One period to attempt: its order and its execution (new, or a missed one retried).
_Item = tuple[StandingOrder, StandingOrderExecution]
# Where an order's calendar stands once its due periods are taken: (next due date, ended).
_Calendar = dict[int, tuple[date | None, bool]]


def _due_items(orders: list[StandingOrder], moment: datetime) -> tuple[list[_Item], _Calendar]:
    """What is due, order by order (by id): its missed periods whose retry has come, then its due
    periods not executed yet, oldest first; and where each order's calendar stands after them."""
    today = timezone.localdate(moment)
    live = [order.pk for order in orders if order.status != StandingOrder.Status.CANCELLED]
    retries: dict[int, list[StandingOrderExecution]] = {}
    for execution in StandingOrderExecution.objects.filter(
        order_id__in=live, status=StandingOrderExecution.Status.MISSED, retry_at__isnull=False, retry_at__lte=moment
    ).order_by("order_id", "due_date"):
        retries.setdefault(execution.order_id, []).append(execution)
    periods: dict[int, list[tuple[str, date]]] = {}
    calendar: _Calendar = {}
    for order in orders:
        if order.status != StandingOrder.Status.ACTIVE or order.next_due is None or order.next_due > today:
            continue
        due: date | None = order.next_due
        while due is not None and due <= today:
            periods.setdefault(order.pk, []).append((period_key(order.period, due), due))
            due = next_due_date(order, after=due)
        calendar[order.pk] = (due, due is None)
    executed = set(
        StandingOrderExecution.objects.filter(
            order_id__in=list(periods), period__in={period for dues in periods.values() for period, _due in dues}
        ).values_list("order_id", "period")
        if periods
        else []
    )
    items: list[_Item] = []
    for order in orders:
        items.extend((order, execution) for execution in retries.get(order.pk, []))
        items.extend(
            (order, StandingOrderExecution(order=order, period=period, due_date=due))
            for period, due in periods.get(order.pk, [])
            if (order.pk, period) not in executed
        )
    return items, calendar


def _transfer(order: StandingOrder, period: str) -> BatchTransfer:
    """One period's payment, under its key and transaction_post's fingerprint of it, so that a
    period paid before (by this path or an older one) is found, not paid again."""
    unit = get_unit(order.unit)
    memo: str | memos.Memo = order.memo or memos.memo(memos.STANDING_ORDER, id=order.pk, period=period)
    legs = [(order.from_account_id, -order.amount, unit.code), (order.to_account_id, order.amount, unit.code)]
    return BatchTransfer(
        from_account_id=order.from_account_id,
        to_account_id=order.to_account_id,
        amount=unit.to_money(order.amount),
        memo=memo,
        idempotency_key=ledger_key(order, period),
        request_hash=request_fingerprint(["post", STANDING_ORDER, memos.fingerprint(memo), legs]),
    )


def _run_locked(order_ids: list[int], moment: datetime) -> list[StandingOrderExecution]:
    """Lock the orders (by id), pay what is due in one batch (each period checked against the
    running balances, in order), record each outcome and tell the orders' apps, in the caller's
    transaction."""
    orders = list(
        StandingOrder.objects.select_for_update(of=("self",))
        .select_related("from_account", "to_account")
        .filter(pk__in=order_ids)
        .order_by("pk")
    )
    items, calendar = _due_items(orders, moment)
    outcomes = transactions_post_batch_each(
        transfers=[_transfer(order, execution.period) for order, execution in items],
        actor=None,
        at=moment,
        kind=STANDING_ORDER,
    )
    new = [execution for _order, execution in items if execution.pk is None]
    retried = [execution for _order, execution in items if execution.pk is not None]
    first_misses = {
        id(execution)
        for (order, execution), outcome in zip(items, outcomes, strict=True)
        if _record(order=order, execution=execution, outcome=outcome, moment=moment)
    }
    StandingOrderExecution.objects.bulk_create(new)
    if retried:
        StandingOrderExecution.objects.bulk_update(
            retried, ["status", "transaction", "reason", "attempts", "retry_at", "updated_at"]
        )
    # The apps hear each outcome in order (an order's periods oldest first), in this transaction.
    for order, execution in items:
        if execution.status == StandingOrderExecution.Status.PAID:
            standing_order_hooks.paid(order, execution)
            continue
        if id(execution) in first_misses:
            from ledger.notifications import standing_order_missed_notify

            standing_order_missed_notify(order, execution)
        standing_order_hooks.missed(order, execution, execution.retry_at is None)
    moved = [order for order in orders if order.pk in calendar]
    ended = []
    for order in moved:
        order.next_due, over = calendar[order.pk]
        if over:
            order.status = StandingOrder.Status.ENDED
            ended.append(order)
    if moved:
        StandingOrder.objects.bulk_update(moved, ["status", "next_due"])
    for order in ended:
        standing_order_hooks.stopped(order)
    return [execution for _order, execution in items]


def _record(
    *,
    order: StandingOrder,
    execution: StandingOrderExecution,
    outcome: Transaction | ApplicationError,
    moment: datetime,
) -> bool:
    """Set one period's outcome on its execution (paid, or missed with the refusal's code and its
    retry); True for the first miss of the period (the parties are told once)."""
    execution.attempts += 1
    execution.updated_at = moment
    if isinstance(outcome, Transaction):
        execution.status = StandingOrderExecution.Status.PAID
        execution.transaction = outcome
        execution.retry_at = None
        return False
    first_miss = execution.pk is None or execution.status != StandingOrderExecution.Status.MISSED
    execution.status = StandingOrderExecution.Status.MISSED
    execution.reason = outcome.code[:40]
    retry_at = moment + RETRY_AFTER
    following = next_due_date(order, after=execution.due_date)
    in_period = following is None or timezone.localdate(retry_at) < following
    execution.retry_at = retry_at if execution.attempts < MAX_ATTEMPTS and in_period else None
    return first_miss


def _due_order_ids(moment: datetime) -> list[int]:
    """The orders with a period due (active, due today or before) or a missed period to retry, by id."""
    today = timezone.localdate(moment)
    due = set(
        StandingOrder.objects.filter(status=StandingOrder.Status.ACTIVE, next_due__lte=today).values_list(
            "pk", flat=True
        )
    )
    due |= set(
        StandingOrderExecution.objects.filter(
            status=StandingOrderExecution.Status.MISSED, retry_at__isnull=False, retry_at__lte=moment
        ).values_list("order_id", flat=True)
    )
    return sorted(due)


def standing_orders_run_due(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """The beat: run every active order due today or before, and every order with a missed period
    whose retry is due, in chunks of `chunk_size` orders by ascending id, each chunk in its own
    transaction (standing_orders_run_chunk). Returns the number of executions written."""
    moment = now or timezone.now()
    due = _due_order_ids(moment)
    written = 0
    for start in range(0, len(due), chunk_size):
        chunk = due[start : start + chunk_size]
        try:
            written += len(standing_orders_run_chunk(chunk, now=moment))
        except Exception:
            # One broken order never stops the others: its chunk runs again order by order.
            logger.exception("standing orders %s… could not run as a chunk", chunk[0])
            written += _run_one_by_one(chunk, moment)
    return written


def _run_one_by_one(order_ids: list[int], moment: datetime) -> int:
    written = 0
    for order_id in order_ids:
        try:
            written += len(standing_order_run(order_id, now=moment))
        except Exception:
            # The next beat tries it again.
            logger.exception("standing order %s could not run", order_id)
    return written
