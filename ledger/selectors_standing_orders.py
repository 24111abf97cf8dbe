"""Who sees which standing order, and the accounts an order may be made between.

A member sees the orders they pay (from one of their accounts) and those they receive (into one of
theirs); staff and auditors see every order. Anyone else gets 404, as for any object they may not see.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.api import MAX_ID
from core.typing import RequestUser
from ledger.errors import AccountNotFound, StandingOrderNotFound
from ledger.models import Account, StandingOrder, StandingOrderExecution
from ledger.selectors import can_read_everything, may_pay_from


def standing_orders_visible_to(user: RequestUser) -> QuerySet[StandingOrder]:
    """The orders the user pays or receives (staff and auditors: all), newest first."""
    orders = StandingOrder.objects.select_related("from_account__holder", "to_account__holder").order_by("-id")
    if can_read_everything(user):
        return orders
    if not user.is_authenticated:
        return orders.none()
    return orders.filter(Q(from_account__holder__user_id=user.pk) | Q(to_account__holder__user_id=user.pk))


def standing_orders_of(user: RequestUser) -> tuple[list[StandingOrder], list[StandingOrder]]:
    """The user's own orders (even for staff): (those they pay, those they receive)."""
    if not user.is_authenticated:
        return [], []
    orders = StandingOrder.objects.select_related("from_account__holder", "to_account__holder").order_by(
        "status", "next_due", "-id"
    )
    return (
        list(orders.filter(from_account__kind=Account.Kind.MEMBER, from_account__holder__user_id=user.pk)),
        list(orders.filter(to_account__kind=Account.Kind.MEMBER, to_account__holder__user_id=user.pk)),
    )


def standing_order_get_visible(*, user: RequestUser, order_id: int) -> StandingOrder:
    """An order the user may see. Raises StandingOrderNotFound (404) otherwise."""
    order = standing_orders_visible_to(user).filter(pk=order_id).first() if 0 < order_id <= MAX_ID else None
    if order is None:
        raise StandingOrderNotFound()
    return order


def is_payer(user: RequestUser, order: StandingOrder) -> bool:
    """Whether the user holds the paying account (the one who may cancel, with staff)."""
    holder = order.from_account.holder
    return bool(user.is_authenticated and holder is not None and holder.user_id == user.pk)


def standing_order_executions(order: StandingOrder) -> QuerySet[StandingOrderExecution]:
    """The order's periods executed so far, the latest first."""
    return order.executions.order_by("-due_date")


def standing_order_parties(*, user: RequestUser, from_account_id: int, to_account_id: int) -> tuple[Account, Account]:
    """The paying account (the user's own; staff: any member's) and the receiving one (a member's
    account or a place's). Raises AccountNotFound (404) otherwise."""
    ids = [pk for pk in (from_account_id, to_account_id) if 0 < pk <= MAX_ID]
    found = {account.pk: account for account in Account.objects.select_related("holder").filter(pk__in=ids)}
    payer, payee = found.get(from_account_id), found.get(to_account_id)
    if payer is None or payer.kind != Account.Kind.MEMBER or not may_pay_from(user, payer):
        raise AccountNotFound()
    if payee is None or not (payee.kind == Account.Kind.MEMBER or payee.system_code == Account.SystemCode.PLACE):
        raise AccountNotFound()
    return payer, payee


def standing_order_with_key(key: str) -> StandingOrder | None:
    """The order created with this idempotency key, if any (a seeder that runs twice)."""
    return StandingOrder.objects.filter(idempotency_key=key).first()
