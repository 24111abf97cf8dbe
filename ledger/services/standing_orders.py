"""Standing orders: authorise, cancel, and pay each due period exactly once.

A period is paid by a posting of kind `standing_order` from the payer's account to the payee's,
under the ledger idempotency key `standing-order:<order id>:<period>`: whatever happens to the
execution row (a worker killed after the commit of the posting but before… nothing: they commit
together; a row lost anyhow), the key makes the payment happen at most once, and a rerun finds it.

`standing_order_run` locks the order's row, so two runs of one order (two beats, a retry, a
worker and the page) serialise: the second finds the periods already executed.

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
from ledger.services.checks import check_open, check_pair, existing_for_key, request_fingerprint
from ledger.services.postings import transaction_post
from ledger.standing_order_periods import day_is_valid, next_due_date, period_key
from ledger.units import get_unit

logger = logging.getLogger("bocage.ledger")

RETRY_AFTER = timedelta(hours=24)
MAX_ATTEMPTS = 3


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
    today = timezone.localdate(moment)

    def attempt() -> list[StandingOrderExecution]:
        with transaction.atomic():
            order = (
                StandingOrder.objects.select_for_update()
                .select_related("from_account", "to_account")
                .filter(pk=order_id)
                .first()
            )
            if order is None:
                return []
            done: list[StandingOrderExecution] = []
            if order.status != StandingOrder.Status.CANCELLED:
                retries = order.executions.filter(
                    status=StandingOrderExecution.Status.MISSED, retry_at__isnull=False, retry_at__lte=moment
                ).order_by("due_date")
                for execution in retries:
                    done.append(_attempt(order, execution, moment))
            while (
                order.status == StandingOrder.Status.ACTIVE and order.next_due is not None and order.next_due <= today
            ):
                due = order.next_due
                period = period_key(order.period, due)
                if not order.executions.filter(period=period).exists():
                    execution = StandingOrderExecution(order=order, period=period, due_date=due)
                    done.append(_attempt(order, execution, moment))
                order.next_due = next_due_date(order, after=due)
                if order.next_due is None:
                    order.status = StandingOrder.Status.ENDED
                    order.save(update_fields=["status", "next_due"])
                    standing_order_hooks.stopped(order)
                else:
                    order.save(update_fields=["next_due"])
            return done

    return with_retries(attempt)


def _attempt(order: StandingOrder, execution: StandingOrderExecution, moment: datetime) -> StandingOrderExecution:
    """Pay one period (or find its payment by key); record paid or missed; tell the order's app."""
    key = ledger_key(order, execution.period)
    payment = Transaction.objects.filter(idempotency_key=key).first()
    error: ApplicationError | None = None
    if payment is None:
        try:
            payment = _pay(order, execution.period, key, moment)
        except ApplicationError as exc:
            error = exc
    execution.attempts += 1
    execution.updated_at = moment
    if payment is not None:
        execution.status = StandingOrderExecution.Status.PAID
        execution.transaction = payment
        execution.retry_at = None
        execution.save()
        standing_order_hooks.paid(order, execution)
        return execution
    assert error is not None
    first_miss = execution.pk is None or execution.status != StandingOrderExecution.Status.MISSED
    execution.status = StandingOrderExecution.Status.MISSED
    execution.reason = error.code[:40]
    retry_at = moment + RETRY_AFTER
    following = next_due_date(order, after=execution.due_date)
    in_period = following is None or timezone.localdate(retry_at) < following
    execution.retry_at = retry_at if execution.attempts < MAX_ATTEMPTS and in_period else None
    execution.save()
    if first_miss:
        from ledger.notifications import standing_order_missed_notify

        standing_order_missed_notify(order, execution)
    standing_order_hooks.missed(order, execution, execution.retry_at is None)
    return execution


def _pay(order: StandingOrder, period: str, key: str, moment: datetime) -> Transaction:
    unit = get_unit(order.unit)
    amount = unit.to_money(order.amount)
    from_account = Account.objects.select_related("holder").get(pk=order.from_account_id)
    to_account = Account.objects.select_related("holder").get(pk=order.to_account_id)
    check_pair(from_account, to_account, amount)
    memo: str | memos.Memo = order.memo or memos.memo(memos.STANDING_ORDER, id=order.pk, period=period)
    return transaction_post(
        legs=[(from_account, -amount), (to_account, amount)],
        kind=STANDING_ORDER,
        memo=memo,
        actor=None,
        idempotency_key=key,
        at=moment,
    )


def standing_orders_run_due(*, now: datetime | None = None) -> int:
    """The beat: run every active order due today or before, and every order with a missed period
    whose retry is due; each order in its own transaction. Returns the number of executions written."""
    moment = now or timezone.now()
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
    written = 0
    for order_id in sorted(due):
        try:
            written += len(standing_order_run(order_id, now=moment))
        except Exception:
            # One broken order never stops the others; the next beat tries it again.
            logger.exception("standing order %s could not run", order_id)
    return written
