"""The register's statutory rules and the steps every movement shares: who may write, the
cooperative's lock, the holding limits, the lock-up, the capital floor, and a holder's status.

The checks raise a refusal the administrator can act on; the caller holds the cooperative's lock.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cooperative import selectors
from cooperative.errors import (
    AboveMaximumHolding,
    BelowMinimumHolding,
    CapitalBelowFloor,
    DateOutOfOrder,
    LockUpNotOver,
    NotAdmitted,
    NotEnoughShares,
)
from cooperative.models import Cooperative, ShareClass, Shareholder, ShareMovement
from core.errors import InvalidInput, PermissionDenied
from core.typing import Actor


def require_administrator(actor: Actor) -> None:
    if not selectors.can_administer(actor):
        raise PermissionDenied(_("Only an administrator of the register may do this."))


def lock_cooperative(cooperative: Cooperative) -> Cooperative:
    return Cooperative.objects.select_for_update().get(pk=cooperative.pk)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` earlier (the last day of a shorter month when it has no such day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def months_after(day: datetime.date, months: int) -> datetime.date:
    return months_before(day, -months)


def _check_date(cooperative: Cooperative, effective_on: datetime.date) -> None:
    last = ShareMovement.objects.filter(cooperative=cooperative).aggregate(last=Max("effective_on"))["last"]
    if effective_on > timezone.localdate() or (last is not None and effective_on < last):
        raise DateOutOfOrder()


def _check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0 or quantity > 1_000_000:
        raise InvalidInput(fields={"quantity": [_("A whole number of shares, at least 1.")]})
    return quantity


def _check_class(cooperative: Cooperative, share_class: ShareClass) -> None:
    if share_class.cooperative_id != cooperative.pk:
        raise InvalidInput(fields={"share_class": [_("This share class is not this cooperative's.")]})


def _check_admitted(cooperative: Cooperative, shareholder: Shareholder) -> None:
    if shareholder.cooperative_id != cooperative.pk or shareholder.status != Shareholder.Status.ADMITTED:
        raise NotAdmitted()


def check_receiving(cooperative: Cooperative, shareholder: Shareholder, quantity: int) -> None:
    """The maximum per member, and the minimum for a first holding. Raises the rule's refusal."""
    check_first_holding(cooperative, shareholder.display_name, selectors.shares_of(shareholder) + quantity)


def check_first_holding(cooperative: Cooperative, name: str, after: int) -> None:
    """`after` shares held: within the statutory minimum and maximum."""
    if cooperative.max_shares_per_member is not None and after > cooperative.max_shares_per_member:
        raise AboveMaximumHolding(
            _("%(name)s would hold %(after)d shares; the statutes allow at most %(max)d.")
            % {"name": name, "after": after, "max": cooperative.max_shares_per_member}
        )
    if after < cooperative.min_shares_per_member:
        raise BelowMinimumHolding(
            _("%(name)s would hold %(after)d shares; the statutes require at least %(min)d.")
            % {"name": name, "after": after, "min": cooperative.min_shares_per_member}
        )


def check_giving(cooperative: Cooperative, shareholder: Shareholder, share_class: ShareClass, quantity: int) -> None:
    """Enough shares, and what is left is none or at least the minimum. Raises the rule's refusal."""
    held = selectors.shares_of(shareholder, share_class=share_class)
    if quantity > held:
        raise NotEnoughShares(
            ngettext(
                "%(name)s holds %(held)d share of class %(code)s, not %(quantity)d.",
                "%(name)s holds %(held)d shares of class %(code)s, not %(quantity)d.",
                held,
            )
            % {"name": shareholder.display_name, "held": held, "code": share_class.code, "quantity": quantity}
        )
    left = selectors.shares_of(shareholder) - quantity
    if 0 < left < cooperative.min_shares_per_member:
        raise BelowMinimumHolding(
            _(
                "%(name)s would keep %(left)d shares; the statutes require at least %(min)d, "
                "or none to leave the cooperative."
            )
            % {"name": shareholder.display_name, "left": left, "min": cooperative.min_shares_per_member}
        )


def check_lockup(
    cooperative: Cooperative, shareholder: Shareholder, share_class: ShareClass, quantity: int, on: datetime.date
) -> None:
    """Only shares held since before the lock-up began (and not given away since) may be redeemed."""
    if cooperative.lockup_months == 0:
        return
    cutoff = months_before(on, cooperative.lockup_months)
    free = selectors.shares_of(shareholder, share_class=share_class, on=cutoff) - selectors.outflows_after(
        shareholder, share_class, cutoff
    )
    if quantity > max(0, free):
        raise LockUpNotOver(
            _(
                "Only %(free)d of these shares have been held for %(months)d months (the lock-up); "
                "the others can be redeemed later."
            )
            % {"free": max(0, free), "months": cooperative.lockup_months}
        )


def check_floor(cooperative: Cooperative, capital_decrease: int) -> None:
    after = selectors.capital_at(cooperative) - capital_decrease
    if after < cooperative.capital_floor:
        raise CapitalBelowFloor(
            _("The capital would fall to %(after)s, below the statutory floor of %(floor)s.")
            % {"after": _euros(after), "floor": _euros(cooperative.capital_floor)}
        )


def holder_status_follow(shareholder: Shareholder) -> None:
    """Whoever holds no share any more has left the cooperative; shares given back re-admit them.

    Called under the cooperative's lock after a movement out of (or back to) the shareholder.
    """
    held = selectors.shares_of(shareholder)
    status = Shareholder.Status.LEFT if held == 0 else Shareholder.Status.ADMITTED
    if Shareholder.objects.filter(pk=shareholder.pk).exclude(status=status).update(status=status):
        shareholder.status = status


def _euros(cents: int) -> str:
    """`40000` → `400,00 €` in a refusal's message (plain spaces, as the messages have always read)."""
    return f"{Decimal(cents).scaleb(-2):,.2f} €".replace(",", " ").replace(".", ",")


def _clean_decision(board_decision: str, required: bool) -> str:
    text = (board_decision or "").strip()
    if required and not text:
        raise InvalidInput(fields={"board_decision": [_("Give the reference of the board's decision.")]})
    if len(text) > 100:
        raise InvalidInput(fields={"board_decision": [_("At most %(count)d characters.") % {"count": 100}]})
    return text
