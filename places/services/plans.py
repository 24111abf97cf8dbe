"""Plan subscriptions, paid by a ledger standing order, granting their allowances each paid period.

- `plan_subscribe` copies the accepted price on the subscription, makes the standing order
  (member → seller, `purpose` "subscription:<id>") and pays its first period at once, in ONE
  atomic block: a first period that cannot be paid refuses the whole subscription (the ledger's
  error, 422) and nothing is written. A later price of the plan never touches it: the order
  carries the accepted amount.
- Each paid period (the ledger's `on_paid` hook, inside the transaction that records it): unless
  the plan rolls over, what is left available on each allowance's account goes back to the issuer
  (`credit_expiry`), then the period's credits are issued (`credit_grant`); both under keys naming
  the subscription, the allowance and the period, so a period is granted exactly once.
- A final missed period or a stopped order (cancelled by the member, or ended): the subscription
  ends the day after its last paid day (`end`); from then its allowances are not usable
  (places.selectors.passes) and the beat `subscriptions_end_due` takes back what is left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ApplicationError, PermissionDenied
from core.idempotency import existing_for_key
from core.retries import with_retries
from core.typing import Actor
from ledger import errors as ledger_errors
from ledger import memos
from ledger.models import StandingOrder
from ledger.selectors import member_account
from ledger.services import standing_order_cancel, standing_order_create, standing_order_run, transaction_post
from ledger.standing_order_periods import next_calendar_date
from ledger.units import get_unit
from members.models import Member
from places.errors import AlreadySubscribed, NotOnSale, PlanNotFound, SubscriptionEnded
from places.kinds import CREDIT_GRANT
from places.memos import CREDIT_GRANT as GRANT_MEMO
from places.models import Plan, Subscription
from places.notifications import plan_payment_missed_notify
from places.selectors.credits import allowance_account, credit_issuer, seller_account
from places.services.carnets import credits_take_back
from places.services.common import may_act_for

__all__ = [
    "HOOK_PURPOSE",
    "on_missed",
    "on_paid",
    "on_stopped",
    "plan_subscribe",
    "subscription_cancel",
    "subscription_end",
    "subscriptions_end_due",
]

logger = logging.getLogger("bocage.places")

# The standing orders' purpose prefix that routes their outcomes here (ledger.standing_order_hooks).
HOOK_PURPOSE = "subscription"

# The ledger's refusals a first period's reason stands for (anything else: a plain 422 with its code).
_REFUSALS: dict[str, type[ApplicationError]] = {
    "insufficient_funds": ledger_errors.InsufficientFunds,
    "account_frozen": ledger_errors.AccountFrozen,
    "account_closed": ledger_errors.AccountClosed,
    "membership_expired": ledger_errors.MembershipExpired,
    "limit_exceeded": ledger_errors.LimitExceeded,
}


def _refusal(reason: str) -> ApplicationError:
    error_class = _REFUSALS.get(reason)
    if error_class is not None:
        return error_class()
    error = ApplicationError(_("The first payment of the plan was refused."))
    error.code = reason or "payment_refused"
    return error


def order_day(period: str, today: dt.date) -> int:
    """The standing order's day for a plan started today: ISO weekday, or day of the month."""
    return today.isoweekday() if period == Plan.Period.WEEKLY else today.day


def _request_hash(plan: Plan, member: Member) -> str:
    return hashlib.sha256(json.dumps(["subscribe", plan.pk, member.pk]).encode()).hexdigest()


def _replay(idempotency_key: str | None, request_hash: str) -> Subscription | None:
    replayed: Subscription | None = existing_for_key(Subscription, idempotency_key, request_hash)
    return replayed


def plan_subscribe(
    *,
    plan: Plan,
    member: Member,
    actor: Actor,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> Subscription:
    """`member` subscribes to `plan` (the actor is the member, or staff); the first period is paid now.

    Raises PermissionDenied, PlanNotFound, NotOnSale, AlreadySubscribed, IdempotencyKeyReused and
    the ledger's refusals of the first payment (InsufficientFunds, AccountNotFound, AccountFrozen,
    MembershipExpired…): nothing is written when refused. The same key and request return the
    first subscription.
    """
    if not may_act_for(actor, member):
        raise PermissionDenied(_("You may only subscribe for yourself."))
    now = now or timezone.now()
    request_hash = _request_hash(plan, member)
    replayed = _replay(idempotency_key, request_hash)
    if replayed is not None:
        return replayed

    def attempt() -> Subscription:
        with transaction.atomic(durable=True):
            current = Plan.objects.select_for_update(of=("self",)).select_related("place").filter(pk=plan.pk).first()
            if current is None:
                raise PlanNotFound()
            again = _replay(idempotency_key, request_hash)
            if again is not None:
                return again
            if not current.on_sale:
                raise NotOnSale()
            if Subscription.objects.filter(member=member, plan=current, status=Subscription.Status.ACTIVE).exists():
                raise AlreadySubscribed()
            today = timezone.localdate(now)
            payer = member_account(member, current.unit)
            subscription = Subscription.objects.create(
                member=member,
                plan=current,
                unit=current.unit,
                price=current.price,
                start=today,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                created_at=now,
            )
            order = standing_order_create(
                from_account=payer,
                to_account=seller_account(current.place, current.unit),
                amount=get_unit(current.unit).to_money(current.price),
                period=current.period,
                day=order_day(current.period, today),
                start=today,
                memo=current.name,
                purpose=f"{HOOK_PURPOSE}:{subscription.pk}",
                actor=actor,
                idempotency_key=f"subscription:{subscription.pk}:order",
            )
            subscription.standing_order = order
            subscription.save(update_fields=["standing_order"])
            executions = standing_order_run(order.pk, now=now)
            first = next((e for e in executions if e.due_date == today), executions[0] if executions else None)
            if first is None or first.status != "paid":
                raise _refusal(first.reason if first is not None else "")
            audit_record(actor=actor, action="plan_subscribe", target=subscription)
            subscription.refresh_from_db()
            return subscription

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        replayed = _replay(idempotency_key, request_hash)
        if replayed is not None:
            return replayed
        # The database's one active subscription per plan: a twin request won.
        raise AlreadySubscribed() from exc


def _subscription_of(order: StandingOrder) -> Subscription | None:
    prefix, _sep, rest = (order.purpose or "").partition(":")
    if prefix != HOOK_PURPOSE or not rest.isdigit():
        return None
    return (
        Subscription.objects.select_for_update(of=("self",))
        .filter(pk=int(rest))
        .select_related("plan", "plan__place", "member")
        .first()
    )


def on_paid(order: StandingOrder, execution: Any) -> None:
    """A period of the subscription was paid: grant its allowances, exactly once per period.
    Runs inside the ledger's transaction that records the payment."""
    subscription = _subscription_of(order)
    if subscription is None:
        logger.warning("standing order %s paid for no subscription (%s)", order.pk, order.purpose)
        return
    if subscription.status == Subscription.Status.ENDED or (
        subscription.end is not None and execution.due_date >= subscription.end
    ):
        logger.warning("standing order %s paid a period of the ended subscription %s", order.pk, subscription.pk)
        _stop_order_after_commit(order.pk)
        return
    period = str(execution.period)
    plan = subscription.plan
    for allowance in plan.allowances.all():
        account = allowance_account(subscription.pk, allowance.pk, allowance.unit)
        if not plan.rollover:
            credits_take_back(
                account_id=account.pk,
                issuer_place=plan.place,
                unit=allowance.unit,
                key=f"subscription:{subscription.pk}:{allowance.pk}:{period}:reset",
                name=plan.name,
            )
        credits = get_unit(allowance.unit).to_money(allowance.amount)
        transaction_post(
            legs=[(credit_issuer(plan.place, allowance.unit), -credits), (account, credits)],
            kind=CREDIT_GRANT,
            memo=memos.memo(GRANT_MEMO, plan=plan.name, period=period),
            actor=None,
            idempotency_key=f"subscription:{subscription.pk}:{allowance.pk}:{period}:grant",
        )
    paid_until = next_calendar_date(order, after=execution.due_date) - dt.timedelta(days=1)
    if subscription.paid_until is None or paid_until > subscription.paid_until:
        subscription.paid_until = paid_until
        subscription.current_period = period
        subscription.save(update_fields=["paid_until", "current_period"])


def _schedule_end(subscription: Subscription, *, now: dt.datetime | None = None) -> None:
    """The subscription ends the day after its last paid day; at once if that day has come."""
    if subscription.status == Subscription.Status.ENDED:
        return
    end = subscription.paid_until + dt.timedelta(days=1) if subscription.paid_until else subscription.start
    if subscription.end is None or end < subscription.end:
        subscription.end = end
        subscription.save(update_fields=["end"])
    if subscription.end <= timezone.localdate(now or timezone.now()):
        _end(subscription)


def _stop_order_after_commit(order_id: int) -> None:
    """Withdraw the order of an ended plan once the ledger's transaction has committed (a hook may not
    change the order the ledger is saving); the beat `subscriptions_end_due` does it if this is lost."""

    def stop() -> None:
        _withdraw(Subscription.objects.select_related("standing_order").filter(standing_order_id=order_id).first())

    transaction.on_commit(stop)


def on_missed(order: StandingOrder, execution: Any, final: bool) -> None:
    """A period could not be paid; once given up (`final`), the plan ends after its paid days and
    its order is withdrawn (no later period is taken for a plan that ended). The place's managers
    are told of the first miss of each period."""
    subscription = _subscription_of(order)
    if subscription is not None:
        plan_payment_missed_notify(subscription, execution.period, execution.reason)
    if not final:
        return
    if subscription is not None:
        # The moment the ledger recorded the miss (the beat's, maybe late): the plan ends at once if its day has come.
        _schedule_end(subscription, now=getattr(execution, "updated_at", None))
        _stop_order_after_commit(order.pk)


def on_stopped(order: StandingOrder) -> None:
    """The order was cancelled or ended: no further period; the plan lasts until its paid days end."""
    subscription = _subscription_of(order)
    if subscription is not None:
        _schedule_end(subscription)


def _end(subscription: Subscription) -> None:
    """Status ENDED; what is left available on its allowances goes back to the issuer (once)."""
    plan = subscription.plan
    for allowance in plan.allowances.all():
        account = allowance_account(subscription.pk, allowance.pk, allowance.unit)
        credits_take_back(
            account_id=account.pk,
            issuer_place=plan.place,
            unit=allowance.unit,
            key=f"subscription:{subscription.pk}:{allowance.pk}:end",
            name=plan.name,
        )
    subscription.status = Subscription.Status.ENDED
    subscription.save(update_fields=["status"])


def subscription_cancel(*, subscription: Subscription, actor: Actor) -> Subscription:
    """The member (or staff) cancels: no further period; the plan stays usable until paid_until.
    Raises PermissionDenied, SubscriptionEnded (already cancelled or ended)."""
    if not may_act_for(actor, subscription.member):
        raise PermissionDenied(_("You may only cancel your own plan."))
    subscription.refresh_from_db()
    if subscription.status == Subscription.Status.ENDED or subscription.end is not None:
        raise SubscriptionEnded()
    order = subscription.standing_order
    if order is not None and order.status == StandingOrder.Status.ACTIVE:
        # The ledger's own transaction; its on_stopped hook (below) schedules the end.
        standing_order_cancel(order=order, actor=actor, reason="subscription_cancel")
    with transaction.atomic(durable=True):
        current = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "member")
            .get(pk=subscription.pk)
        )
        _schedule_end(current)
        audit_record(actor=actor, action="subscription_cancel", target=current)
        return current


def subscription_end(subscription_id: int, *, now: dt.datetime | None = None) -> bool:
    """End one subscription whose end day has come; safe twice."""
    with transaction.atomic(durable=True):
        current = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "plan__place")
            .get(pk=subscription_id)
        )
        if current.status == Subscription.Status.ENDED or current.end is None:
            return False
        if current.end > timezone.localdate(now or timezone.now()):
            return False
        _end(current)
    _withdraw(Subscription.objects.select_related("standing_order").get(pk=subscription_id))
    return True


def _withdraw(subscription: Subscription | None) -> None:
    """Cancel the order of an ended subscription if it is still active (the system's act)."""
    order = subscription.standing_order if subscription is not None else None
    if order is not None and order.status == StandingOrder.Status.ACTIVE:
        standing_order_cancel(order=order, actor=None, reason="subscription_ended")


def subscriptions_end_due(now: dt.datetime | None = None, *, batch_size: int = 500) -> int:
    """The beat: end the subscriptions whose end day has come, each in its own transaction; withdraw
    the orders of ended plans still active (their withdrawal after a final miss was lost)."""
    today = timezone.localdate(now or timezone.now())
    for subscription in Subscription.objects.filter(
        status=Subscription.Status.ENDED, standing_order__status=StandingOrder.Status.ACTIVE
    ).select_related("standing_order")[:batch_size]:
        _withdraw(subscription)
    due = list(
        Subscription.objects.filter(status=Subscription.Status.ACTIVE, end__isnull=False, end__lte=today)
        .order_by("end", "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    return sum(1 for subscription_id in due if subscription_end(subscription_id, now=now))
