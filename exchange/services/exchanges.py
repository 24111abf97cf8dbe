"""The exchange state machine's writes: every transition is one row of `transitions.TRANSITIONS`,
checked under a row lock.

requested → accepted (the buyer's amount is held towards the seller) → delivered (the seller says
so) → completed (the buyer confirms: the hold is captured). Declined, cancelled (hold voided),
disputed (frozen until a moderator captures, partly captures or voids the hold: resolved).

Each transition locks the exchange row first, then calls the ledger inside the same database
transaction (the ledger's accounts are locked after the exchange row, always in that order), so
the status and the money move together. Repeating the transition that already happened returns
the exchange unchanged; two confirmations racing capture the hold once: the second waits for the
lock and finds the exchange completed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from exchange.errors import ListingNotAvailable, TransitionNotAllowed
from exchange.memos import EXCHANGE as EXCHANGE_MEMO
from exchange.models import Exchange, ExchangeEvent, Listing
from exchange.notifications import exchange_parties_notify, exchange_path, member_notify
from ledger import memos
from ledger.errors import InvalidAmount, UnitMismatch
from ledger.models import Account, Hold
from ledger.selectors import hold_get, member_account
from ledger.services import hold_capture, hold_create, hold_void
from ledger.units import get_unit
from members.models import Member

from .transitions import RESOLVE_OUTCOMES, TRANSITIONS, S, acting_member, already_done, check_visible, roles_of

__all__ = [
    "exchange_accept",
    "exchange_cancel",
    "exchange_confirm",
    "exchange_decline",
    "exchange_deliver",
    "exchange_dispute",
    "exchange_propose",
    "exchange_resolve",
    "exchanges_auto_capture_due",
]

# --- proposing --------------------------------------------------------------------------------


def exchange_propose(
    *, listing: Listing, proposer: Member, amount: Money | None, message: str = "", actor: Actor
) -> Exchange:
    """Ask the listing's author for an exchange at `amount` (None: the listing's price).

    Raises PermissionDenied (proposing for someone else), ListingNotAvailable, InvalidInput
    (own listing, missing amount, message too long), UnitMismatch, InvalidAmount, UnknownUnit.
    """
    user = acting_user(actor)
    if user is None or proposer.user_id != user.pk:
        raise PermissionDenied(_("You may only propose an exchange for yourself."))
    if listing.status != Listing.Status.ACTIVE:
        raise ListingNotAvailable()
    if listing.author_id == proposer.pk:
        raise InvalidInput(_("You cannot propose an exchange on your own listing."))
    if len(message) > 2000:
        raise InvalidInput(fields={"message": [_("At most 2000 characters.")]})
    if amount is None:
        if listing.price is None:
            raise InvalidInput(
                _("This listing's price is to be agreed: propose an amount."),
                fields={"amount": [_("Propose an amount.")]},
            )
        unit = get_unit(listing.unit)
        minor = listing.price
    else:
        unit = get_unit(listing.unit or str(amount.currency))
        if str(amount.currency) != unit.code:
            raise UnitMismatch(
                _("The amount is in %(given)s, not %(expected)s.") % {"given": amount.currency, "expected": unit.code}
            )
        minor = unit.to_minor(amount)
    if not unit.member_account:
        raise UnitMismatch(_("Exchanges are in ACH, HRS or GRN."))
    if minor <= 0:
        raise InvalidAmount(_("The amount must be greater than zero."))
    if listing.kind == Listing.Kind.OFFER:
        buyer, seller = proposer, listing.author
    else:
        buyer, seller = listing.author, proposer
    with transaction.atomic(durable=True):
        exchange = Exchange.objects.create(
            listing=listing,
            buyer=buyer,
            seller=seller,
            requested_by=proposer,
            unit=unit.code,
            amount=minor,
            message=message,
        )
        ExchangeEvent.objects.create(exchange=exchange, actor=user, from_status="", to_status=S.REQUESTED)
        member_notify(
            listing.author,
            "exchange_proposed",
            {"who": proposer.display_name, "title": listing.title, "amount": unit.format(minor)},
            exchange_path(exchange),
            _("New exchange proposal on “%(title)s”") % {"title": listing.title},
            _("%(who)s proposes %(amount)s.\n\n%(message)s")
            % {"who": proposer.display_name, "amount": unit.format(minor), "message": message},
        )
    return exchange


# --- transitions ------------------------------------------------------------------------------


def _transition(
    *,
    exchange: Exchange,
    action: str,
    actor: Actor,
    effect: Callable[[Exchange], None] | None = None,
    note: str = "",
    notify: bool = False,
) -> Exchange:
    """Lock the row, check the table, run the ledger effect, record the event: one transaction."""

    def attempt() -> Exchange:
        with transaction.atomic(durable=True):
            locked = Exchange.objects.select_for_update().get(pk=exchange.pk)
            roles = roles_of(locked, actor)
            check_visible(locked, roles)
            rule = TRANSITIONS.get((locked.status, action))
            if rule is None or not rule.allowed & roles:
                if already_done(locked.status, action, roles):
                    return locked  # the same transition again: nothing to do
                raise TransitionNotAllowed()
            from_status = locked.status
            if effect is not None:
                effect(locked)
            locked.status = rule.to_status
            locked.save()
            ExchangeEvent.objects.create(
                exchange=locked,
                actor=acting_user(actor),
                from_status=from_status,
                to_status=rule.to_status,
                note=note[:500],
            )
            if notify:
                exchange_parties_notify(locked, acting_member(actor), action)
            return locked

    return with_retries(attempt)


def _accounts(exchange: Exchange) -> tuple[Account, Account]:
    return member_account(exchange.buyer_id, exchange.unit), member_account(exchange.seller_id, exchange.unit)


def exchange_accept(*, exchange: Exchange, actor: Actor) -> Exchange:
    """The party who did not request accepts: the buyer's amount is held towards the seller.

    Raises ExchangeNotFound, TransitionNotAllowed, and the ledger's refusals (InsufficientFunds,
    MembershipExpired, AccountFrozen…): the exchange then stays requested.
    """

    def hold(locked: Exchange) -> None:
        buyer_account, seller_account = _accounts(locked)
        memo = memos.memo(EXCHANGE_MEMO, id=locked.pk)
        locked.hold = hold_create(
            from_account=buyer_account,
            to_account=seller_account,
            amount=get_unit(locked.unit).to_money(locked.amount),
            memo=memo,
            actor=actor,
            idempotency_key=f"exchange:{locked.pk}:accept",
        )
        locked.accepted_at = timezone.now()

    return _transition(exchange=exchange, action="accept", actor=actor, effect=hold, notify=True)


def exchange_decline(*, exchange: Exchange, actor: Actor) -> Exchange:
    """The party who did not request declines. Raises ExchangeNotFound, TransitionNotAllowed."""

    def close(locked: Exchange) -> None:
        locked.closed_at = timezone.now()

    return _transition(exchange=exchange, action="decline", actor=actor, effect=close, notify=True)


def exchange_cancel(*, exchange: Exchange, actor: Actor) -> Exchange:
    """Either party, before delivery; the hold (if any) is voided.

    Raises ExchangeNotFound, TransitionNotAllowed.
    """

    def void(locked: Exchange) -> None:
        if locked.hold_id is not None:
            hold_void(hold=_hold(locked), actor=actor, flow=True)
        locked.closed_at = timezone.now()

    return _transition(exchange=exchange, action="cancel", actor=actor, effect=void, notify=True)


def exchange_deliver(*, exchange: Exchange, actor: Actor) -> Exchange:
    """The seller marks it delivered; automatic capture is due BOCAGE_EXCHANGE_AUTO_CAPTURE_DAYS later.

    Raises ExchangeNotFound, TransitionNotAllowed.
    """

    def deliver(locked: Exchange) -> None:
        now = timezone.now()
        locked.delivered_at = now
        locked.auto_capture_at = now + timedelta(days=settings.BOCAGE_EXCHANGE_AUTO_CAPTURE_DAYS)

    return _transition(
        exchange=exchange,
        action="deliver",
        actor=actor,
        effect=deliver,
        notify=True,
    )


def _hold(locked: Exchange) -> Hold:
    assert locked.hold_id is not None  # accepted, delivered and disputed exchanges have one (a constraint)
    return hold_get(locked.hold_id)


def _capture(actor: Actor, amount: Money | None = None) -> Callable[[Exchange], None]:
    def capture(locked: Exchange) -> None:
        hold_capture(hold=_hold(locked), actor=actor, amount=amount, flow=True)
        locked.closed_at = timezone.now()

    return capture


def exchange_confirm(*, exchange: Exchange, actor: Actor) -> Exchange:
    """The buyer confirms delivery: the hold is captured in full (the payment is posted).

    Raises ExchangeNotFound, TransitionNotAllowed, and the ledger's refusals (LimitExceeded…).
    """
    return _transition(
        exchange=exchange,
        action="confirm",
        actor=actor,
        effect=_capture(actor),
        notify=True,
    )


def exchange_dispute(*, exchange: Exchange, reason: str, actor: Actor) -> Exchange:
    """Either party, while accepted or delivered: frozen until a moderator resolves it.

    Raises InvalidInput (no reason), ExchangeNotFound, TransitionNotAllowed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say what is wrong.")]})
    if len(reason) > 500:
        raise InvalidInput(fields={"reason": [_("At most 500 characters.")]})

    def freeze(locked: Exchange) -> None:
        locked.dispute_reason = reason

    return _transition(
        exchange=exchange,
        action="dispute",
        actor=actor,
        effect=freeze,
        note=reason,
        notify=True,
    )


def exchange_resolve(*, exchange: Exchange, outcome: str, amount: Money | None = None, actor: Actor) -> Exchange:
    """A moderator (staff, not a party) captures, partly captures (`amount`) or voids the hold.

    Raises InvalidInput (unknown outcome, partial without amount), ExchangeNotFound,
    TransitionNotAllowed, InvalidAmount, UnitMismatch.
    """
    if outcome not in RESOLVE_OUTCOMES:
        raise InvalidInput(fields={"outcome": [_("Choose capture, partial or void.")]})
    if outcome == "partial" and amount is None:
        raise InvalidInput(fields={"amount": [_("Give the amount to capture.")]})

    def resolve(locked: Exchange) -> None:
        if outcome == "void":
            hold_void(hold=_hold(locked), actor=actor, flow=True)
        else:
            hold_capture(hold=_hold(locked), actor=actor, amount=amount if outcome == "partial" else None, flow=True)
        locked.closed_at = timezone.now()
        # Inside the exchange's atomic block: a resolution that fails leaves no event.
        audit_record(actor=actor, action="dispute_resolve", target=locked, reason=locked.dispute_reason, outcome=note)

    note = outcome if amount is None or outcome != "partial" else f"{outcome} {amount.amount} {amount.currency}"
    return _transition(
        exchange=exchange,
        action="resolve",
        actor=actor,
        effect=resolve,
        note=note,
        notify=True,
    )


def _auto_capture_one(exchange_id: int, now: datetime) -> bool:
    def attempt() -> bool:
        with transaction.atomic(durable=True):
            locked = Exchange.objects.select_for_update().get(pk=exchange_id)
            if locked.status != S.DELIVERED or locked.auto_capture_at is None or locked.auto_capture_at > now:
                return False  # confirmed, disputed or done by a concurrent run meanwhile
            rule = TRANSITIONS[(S.DELIVERED, "auto_capture")]
            hold_capture(hold=_hold(locked), actor=None, flow=True)
            locked.status = rule.to_status
            locked.closed_at = timezone.now()
            locked.save()
            ExchangeEvent.objects.create(
                exchange=locked,
                actor=None,
                from_status=S.DELIVERED,
                to_status=rule.to_status,
                note="auto_capture",
            )
            exchange_parties_notify(locked, None, "auto_capture")
            return True

    return with_retries(attempt)


def exchanges_auto_capture_due(now: datetime | None = None) -> int:
    """Capture every exchange delivered and unconfirmed past auto_capture_at (not disputed).

    Safe to run twice or concurrently: each exchange is re-checked under its row lock.
    """
    now = now or timezone.now()
    due = list(
        Exchange.objects.filter(status=S.DELIVERED, auto_capture_at__lte=now)
        .order_by("auto_capture_at", "id")
        .values_list("id", flat=True)
    )
    return sum(1 for exchange_id in due if _auto_capture_one(exchange_id, now))
