"""A booking paid with the member's credits: the allowances of their plans and their carnets.

The order is fixed, and the same for the quote a member reads before confirming
(places/selectors/quote.py `booking_quote`) and for the booking (`booking_create`):

1. the allowances of the member's active plans (a plan of this place or network-wide, whose
   allowance is on this resource or on its kind), only for a booking whose start (local date) is
   within the subscription's paid period (on or before `paid_until`) and before its `end`;
2. the carnets (of this place or network-wide, of every kind or of this one), the one expiring
   first first, only until their `valid_until`;
3. the resource's price, held on the member's account as any booking's (Booking.price is this
   money part only).

Units:

- CRH (hour credits) pay `minutes × seats / 60` hours, in hundredths, rounded UP to the hundredth
  (a resource booked whole counts one seat, as its price does).
- CRJ (day credits) pay one day per seat for each local day the booking touches (a desk for the
  morning is one day); all or nothing per day: 0.5 day left does not pay a day.
- A CRH source that covers only part is used to the end, and the rest is priced in money: the
  uncovered minutes of a seat rounded UP to whole steps × the price per step × the seats, at the
  `overage_price` (in the plan's unit) of an allowance that was used and has one, else at the
  resource's price. A free resource (price 0) spends no credits.

Each credit source used gets its own ledger hold (from the allowance's or the carnet's account
towards the seller's credit issuer: the plan's or the carnet's place, or the network) and a
`BookingCredit` row; the holds expire like the money hold. The booking's lifecycle treats them as
its money: a timely cancellation voids them (the credits come back); a late cancellation or a
no-show keeps the late fee's percentage of each (`amount × percent // 100`, the rest released);
the check-in captures them in full — a carnet is consumed at check-in, not at booking — and the
beat's settlement of a booking never checked in captures them too. Everything happens under the
booking's lock (places.locks.booking_lock): two managers scanning at once capture once.

The counter's bookings for guests (places.services.counter) use no credits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.conf import settings

from core.typing import Actor
from ledger import memos
from ledger.errors import AccountNotFound, HoldAlreadyResolved, HoldExpired
from ledger.models import Account, Hold
from ledger.selectors import account_get, hold_get, member_account
from ledger.services import hold_capture, hold_create, hold_void, lock_accounts
from ledger.units import get_unit
from members.models import Member
from places.memos import BOOKING as BOOKING_MEMO
from places.models import Booking, BookingCredit, Place, Resource
from places.openings import local_zone
from places.selectors.credits import credit_issuer
from places.selectors.passes import available_credits
from places.selectors.quote import Quote, credit_sources, credit_split


def member_account_or_none(member: Member, unit: str) -> Account | None:
    try:
        return member_account(member, unit)
    except AccountNotFound:
        return None


__all__ = ["credit_hold_ids", "credits_capture", "credits_hold", "credits_keep_percent", "locked_split"]

logger = logging.getLogger("bocage.places")


def locked_split(
    *,
    resource: Resource,
    member: Member,
    start: dt.datetime,
    end: dt.datetime,
    seats: int,
    money_unit: str,
    per_step: int,
) -> Quote:
    """The booking's split, decided with the member's credit accounts locked (inside the caller's
    transaction, after its domain locks): the balances read here stay true until it commits."""
    sources = credit_sources(member, resource, start.astimezone(local_zone()).date())
    ids = [source.account_id for source in sources if source.account_id is not None]
    if not ids or not per_step:
        locked = {}
    else:
        # The member's money accounts the rest may be held on, in the same statement (the ledger's
        # lock order: accounts all at once, by id), then hold_create re-locks what it holds.
        units = {money_unit} | {
            source.subscription.plan.unit
            for source in sources
            if source.subscription is not None and source.allowance and source.allowance.overage_price is not None
        }
        money = [member_account_or_none(member, unit) for unit in sorted(units) if get_unit(unit).member_account]
        locked = lock_accounts([*ids, *(account.pk for account in money if account is not None)])
    available = {
        pk: available_credits(account)
        for pk, account in locked.items()
        if pk in ids and account.status == account.Status.OPEN
    }
    return credit_split(
        resource=resource,
        start=start,
        end=end,
        seats=seats,
        money_unit=money_unit,
        per_step=per_step,
        sources=sources,
        available=available,
    )


def credits_hold(*, booking: Booking, quote: Quote, actor: Actor) -> list[BookingCredit]:
    """Hold each credit line of `quote` for `booking` (in the caller's transaction)."""
    resource = booking.resource
    rows = []
    for line in quote.credit_lines:
        source = line.credit
        assert source is not None and source.account_id is not None
        seller = Place.objects.get(pk=source.seller_place_id) if source.seller_place_id is not None else None
        hold = hold_create(
            from_account=account_get(source.account_id),
            to_account=credit_issuer(seller, line.unit),
            amount=get_unit(line.unit).to_money(line.amount),
            memo=memos.memo(
                BOOKING_MEMO,
                resource=resource.name,
                place=resource.place.name,
                date=booking.start.astimezone(local_zone()),
            ),
            actor=actor,
            expires_at=booking.end + dt.timedelta(hours=settings.BOCAGE_PLACES_HOLD_MARGIN_HOURS),
        )
        rows.append(
            BookingCredit.objects.create(
                booking=booking,
                source=source.source,
                subscription=source.subscription,
                allowance=source.allowance,
                carnet=source.carnet,
                unit=line.unit,
                amount=line.amount,
                hold=hold,
            )
        )
    return rows


def _pending_credit_holds(booking: Booking) -> list[Hold]:
    holds = [hold_get(hold_id) for hold_id in booking.credits.order_by("id").values_list("hold_id", flat=True)]
    return [hold for hold in holds if hold.status == Hold.Status.PENDING]


def credits_keep_percent(*, booking: Booking, percent: int, actor: Actor) -> None:
    """Keep `percent` of each credit hold (captured: `amount × percent // 100`), release the rest;
    void them all for 0 (a timely cancellation). Under the caller's booking lock."""
    for hold in _pending_credit_holds(booking):
        keep = hold.amount * percent // 100
        if keep <= 0:
            hold_void(hold=hold, actor=actor, flow=True)
            continue
        with contextlib.suppress(HoldAlreadyResolved, HoldExpired):
            hold_capture(hold=hold, actor=actor, amount=get_unit(hold.unit).to_money(keep), flow=True)


def credit_hold_ids(booking_ids: list[int]) -> list[tuple[int, int]]:
    """(booking id, hold id) of the credit holds of these bookings, by booking then in the order they
    were held (one query): the beat's settlement captures them with the money holds, in one batch."""
    if not booking_ids:
        return []
    return list(
        BookingCredit.objects.filter(booking_id__in=booking_ids)
        .order_by("booking_id", "id")
        .values_list("booking_id", "hold_id")
    )


def credits_capture(*, booking: Booking, actor: Actor) -> None:
    """Capture every credit hold in full (check-in, or the settlement of a booking that ended):
    the credits are consumed now. Under the caller's booking lock; an expired hold stays expired."""
    for hold in _pending_credit_holds(booking):
        try:
            hold_capture(hold=hold, actor=actor, flow=True)
        except (HoldAlreadyResolved, HoldExpired):
            logger.warning("booking %s: its credit hold %s expired before the capture", booking.pk, hold.pk)
