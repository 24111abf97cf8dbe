"""Redemption requests: a shareholder asks to be repaid shares, the board approves (the payment
falls due after the statutory delay), and the repayment is recorded when made (capital account →
EUR out), the shares redeemed.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperative import selectors
from cooperative.errors import NotDueYet, NotEnoughShares, RequestNotPending
from cooperative.models import Cooperative, RedemptionRequest, ShareClass, Shareholder
from cooperative.services.register.movements import redemption_record_locked
from cooperative.services.register.rules import (
    _check_quantity,
    _clean_decision,
    check_giving,
    check_lockup,
    holder_status_follow,
    lock_cooperative,
    months_after,
    require_administrator,
)
from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.l10n import format_long_date
from core.retries import with_retries
from core.typing import Actor, acting_user
from members.selectors import member_or_none

RR = RedemptionRequest.Status


def redemption_request_create(
    *, shareholder: Shareholder, share_class: ShareClass, quantity: int, actor: Actor
) -> RedemptionRequest:
    """A shareholder asks to be repaid shares (or an administrator for them).

    Raises PermissionDenied, InvalidInput, NotEnoughShares, BelowMinimumHolding, LockUpNotOver.
    """
    quantity = _check_quantity(quantity)
    member = member_or_none(actor)
    if not selectors.can_administer(actor) and (member is None or member.pk != shareholder.member_id):
        raise PermissionDenied(_("You may only ask to redeem your own shares."))

    def attempt() -> RedemptionRequest:
        with transaction.atomic(durable=True):
            cooperative = lock_cooperative(shareholder.cooperative)
            if share_class.cooperative_id != cooperative.pk:
                raise InvalidInput(fields={"share_class": [_("This share class is not this cooperative's.")]})
            pending = selectors.pending_redemptions(shareholder, share_class)
            held = selectors.shares_of(shareholder, share_class=share_class)
            if pending + quantity > held:
                raise NotEnoughShares(
                    _("%(held)d shares held, %(pending)d already asked for: at most %(free)d more.")
                    % {"held": held, "pending": pending, "free": max(0, held - pending)}
                )
            check_giving(cooperative, shareholder, share_class, quantity + pending)
            check_lockup(cooperative, shareholder, share_class, quantity + pending, timezone.localdate())
            return RedemptionRequest.objects.create(
                cooperative=cooperative, shareholder=shareholder, share_class=share_class, quantity=quantity
            )

    return with_retries(attempt)


def _lock_redemption(request: RedemptionRequest, statuses: set[str]) -> tuple[Cooperative, RedemptionRequest]:
    cooperative = lock_cooperative(request.cooperative)
    locked = RedemptionRequest.objects.select_related("share_class", "shareholder").get(pk=request.pk)
    if locked.status not in statuses:
        raise RequestNotPending()
    return cooperative, locked


def redemption_request_approve(
    *, request: RedemptionRequest, board_decision: str, actor: Actor, on: datetime.date | None = None
) -> RedemptionRequest:
    """The board approves: the payment falls due after the statutory delay.

    Raises PermissionDenied, InvalidInput, RequestNotPending.
    """
    require_administrator(actor)
    decision = _clean_decision(board_decision, required=True)
    with transaction.atomic(durable=True):
        cooperative, locked = _lock_redemption(request, {RR.REQUESTED})
        locked.status = RR.APPROVED
        locked.board_decision = decision
        locked.due_on = months_after(on or timezone.localdate(), cooperative.redemption_delay_months)
        locked.decided_by = acting_user(actor)
        locked.decided_at = timezone.now()
        locked.save()
        audit_record(actor=actor, action="redemption_approve", target=locked, reason=decision, due_on=locked.due_on)
        return locked


def redemption_request_reject(*, request: RedemptionRequest, reason: str, actor: Actor) -> RedemptionRequest:
    """Raises PermissionDenied, InvalidInput, RequestNotPending."""
    require_administrator(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(fields={"reason": [_("Say why, in at most 500 characters.")]})
    with transaction.atomic(durable=True):
        _cooperative, locked = _lock_redemption(request, {RR.REQUESTED, RR.APPROVED})
        locked.status = RR.REJECTED
        locked.rejection_reason = reason
        locked.decided_by = acting_user(actor)
        locked.decided_at = timezone.now()
        locked.save()
        audit_record(actor=actor, action="redemption_reject", target=locked, reason=reason)
        return locked


def redemption_request_pay(
    *, request: RedemptionRequest, actor: Actor, paid_on: datetime.date | None = None
) -> RedemptionRequest:
    """Record the repayment of an approved, due redemption: capital → EUR out, shares redeemed.

    Safe to repeat. Raises PermissionDenied, RequestNotPending, NotDueYet and the register's
    refusals (LockUpNotOver, CapitalBelowFloor, NotEnoughShares, BelowMinimumHolding).
    """
    require_administrator(actor)

    def attempt() -> RedemptionRequest:
        with transaction.atomic(durable=True):
            cooperative, locked = _lock_redemption(request, {RR.APPROVED, RR.PAID})
            if locked.status == RR.PAID:
                return locked
            day = paid_on or timezone.localdate()
            assert locked.due_on is not None
            if day < locked.due_on:
                raise NotDueYet(_("This redemption is due on %(date)s.") % {"date": format_long_date(locked.due_on)})
            locked.movement = redemption_record_locked(
                cooperative=cooperative,
                shareholder=locked.shareholder,
                share_class=locked.share_class,
                quantity=locked.quantity,
                effective_on=day,
                board_decision=locked.board_decision,
                actor=actor,
                idempotency_key=f"coop-redemption:{locked.pk}",
            )
            locked.status = RR.PAID
            locked.save()
            holder_status_follow(locked.shareholder)
            audit_record(
                actor=actor,
                action="redemption_pay",
                target=locked,
                reason=locked.board_decision,
                movement=locked.movement_id,
                quantity=locked.quantity,
            )
            return locked

    return with_retries(attempt)
