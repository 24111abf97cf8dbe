"""The ledger's notifications (core.notifications): a standing order's period that could not be paid.

The payer is told, and the payee when a member, once per missed period (the retries of that
period tell nobody again; a dedupe key makes a rerun of the beat tell nobody twice)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from core.notifications import NotificationKind, notify
from ledger.models import Account, StandingOrder, StandingOrderExecution
from ledger.units import get_unit

STANDING_ORDER_MISSED = "standing_order_missed"

# What each refusal means to the person told (a code not listed shows as itself).
REASONS = {
    "insufficient_funds": gettext_lazy("not enough available on the paying account"),
    "account_frozen": gettext_lazy("an account is frozen"),
    "account_closed": gettext_lazy("an account is closed"),
    "membership_expired": gettext_lazy("the payer's membership has expired"),
    "limit_exceeded": gettext_lazy("the receiving account would go above its limit"),
}


def reason_text(code: str) -> str:
    """A missed period's reason in the active language."""
    label = REASONS.get(code)
    return str(label) if label is not None else code


def _message(params: Mapping[str, Any]) -> str:
    return _("The standing order #%(id)s (%(amount)s) could not be paid for %(period)s: %(reason)s.") % {
        "id": params["id"],
        "amount": params["amount"],
        "period": params["period"],
        "reason": reason_text(str(params["reason"])),
    }


NOTIFICATION_KINDS = (
    NotificationKind(
        code=STANDING_ORDER_MISSED,
        label=gettext_lazy("A standing order could not be paid"),
        group=gettext_lazy("Payments"),
        message=_message,
    ),
)


def standing_order_missed_notify(order: StandingOrder, execution: StandingOrderExecution) -> None:
    """Tell the payer, and the payee when a member, that a period could not be paid (once per period)."""
    params = {
        "id": order.pk,
        "amount": get_unit(order.unit).format(order.amount),
        "period": execution.period,
        "reason": execution.reason,
    }
    for account in (order.from_account, order.to_account):
        holder = account.holder if account.kind == Account.Kind.MEMBER and account.holder_id is not None else None
        if holder is None:
            continue
        with override(holder.mail_language):
            subject = _("A standing order could not be paid")
            body = _message(params)
        notify(
            holder.user,
            STANDING_ORDER_MISSED,
            params,
            f"/me/standing-orders/{order.pk}/",
            email=(subject, body),
            dedupe_key=f"standing-order-missed:{order.pk}:{execution.period}",
        )
