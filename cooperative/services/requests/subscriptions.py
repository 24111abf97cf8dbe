"""Subscription requests: a member (a share campaign, or an administrator) asks for shares, the
board approves (admitting a newcomer into their college), the payment is recorded (EUR to the
capital account) and the shares are issued as a numbered movement. Without board approval in the
statutes, a request is approved at once.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperative import selectors
from cooperative.errors import NotAdmitted, RequestNotPending
from cooperative.models import College, Cooperative, ShareClass, Shareholder, SubscriptionRequest
from cooperative.services.register.movements import subscription_record_locked
from cooperative.services.register.rules import (
    _check_quantity,
    _clean_decision,
    check_first_holding,
    check_receiving,
    lock_cooperative,
    require_administrator,
)
from cooperative.services.setup import admit_locked
from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from members.models import Member
from members.selectors import member_or_none

SR = SubscriptionRequest.Status


def subscription_request_create(
    *,
    cooperative: Cooperative,
    share_class: ShareClass,
    quantity: int,
    actor: Actor,
    member: Member | None = None,
    college: College | None = None,
    source: str = SubscriptionRequest.Source.MEMBER,
) -> SubscriptionRequest:
    """A member asks for shares (an administrator may ask for any member: `source` administrator).

    A newcomer names the college they ask to join; a shareholder stays in theirs.
    Raises PermissionDenied, InvalidInput, AboveMaximumHolding, BelowMinimumHolding.
    """
    quantity = _check_quantity(quantity)
    own = member_or_none(actor)
    if member is None:
        member = own
    if member is None or (member != own and not selectors.can_administer(actor)):
        raise PermissionDenied(_("You may only ask for shares for yourself."))
    if share_class.cooperative_id != cooperative.pk:
        raise InvalidInput(fields={"share_class": [_("This share class is not this cooperative's.")]})
    shareholder = Shareholder.objects.filter(cooperative=cooperative, member=member).first()
    if shareholder is not None and shareholder.status == Shareholder.Status.ADMITTED:
        college = shareholder.college
    if college is None or college.cooperative_id != cooperative.pk:
        raise InvalidInput(fields={"college": [_("Choose the college you ask to join.")]})
    if source not in SubscriptionRequest.Source.values:
        raise InvalidInput(fields={"source": [_("Unknown source.")]})

    def attempt() -> SubscriptionRequest:
        with transaction.atomic(durable=True):
            return _request_locked(
                cooperative=lock_cooperative(cooperative),
                member=member,
                shareholder=shareholder,
                college=college,
                share_class=share_class,
                quantity=quantity,
                source=source,
            )

    return with_retries(attempt)


def _request_locked(
    *,
    cooperative: Cooperative,
    member: Member,
    shareholder: Shareholder | None,
    college: College,
    share_class: ShareClass,
    quantity: int,
    source: str,
) -> SubscriptionRequest:
    """Check the holding limits (pending requests counted) and record the request, under the lock."""
    if shareholder is not None:
        check_receiving(cooperative, shareholder, quantity + _pending_subscriptions(shareholder))
    else:
        check_first_holding(
            cooperative, member.display_name, quantity + _pending_subscriptions(None, member, cooperative.pk)
        )
    approved = not cooperative.board_approval_required
    return SubscriptionRequest.objects.create(
        cooperative=cooperative,
        member=member,
        shareholder=shareholder,
        college=college,
        share_class=share_class,
        quantity=quantity,
        source=source,
        status=SR.APPROVED if approved else SR.REQUESTED,
        decided_at=timezone.now() if approved else None,
    )


def _pending_subscriptions(
    shareholder: Shareholder | None, member: Member | None = None, cooperative_id: int | None = None
) -> int:
    """Shares asked for and not issued yet: by the shareholder, or by the member (a newcomer's requests)."""
    who = Q(pk__in=[])
    if shareholder is not None:
        who |= Q(shareholder=shareholder)
        member, cooperative_id = member or shareholder.member, shareholder.cooperative_id
    if member is not None:
        who |= Q(member=member)
    pending = SubscriptionRequest.objects.filter(who, status__in=[SR.REQUESTED, SR.APPROVED])
    if cooperative_id is not None:
        pending = pending.filter(cooperative_id=cooperative_id)
    return sum(pending.values_list("quantity", flat=True))


def _lock_request(request: SubscriptionRequest, statuses: set[str]) -> tuple[Cooperative, SubscriptionRequest]:
    cooperative = lock_cooperative(request.cooperative)
    locked = SubscriptionRequest.objects.select_related("share_class", "member", "college").get(pk=request.pk)
    if locked.status not in statuses:
        raise RequestNotPending()
    return cooperative, locked


def subscription_request_approve(
    *, request: SubscriptionRequest, board_decision: str, actor: Actor, on: datetime.date | None = None
) -> SubscriptionRequest:
    """The board approves: a newcomer is admitted into the college they asked for.

    Raises PermissionDenied, InvalidInput (no decision reference), RequestNotPending.
    """
    require_administrator(actor)
    decision = _clean_decision(board_decision, required=True)

    def attempt() -> SubscriptionRequest:
        with transaction.atomic(durable=True):
            cooperative, locked = _lock_request(request, {SR.REQUESTED})
            if locked.shareholder is None or locked.shareholder.status != Shareholder.Status.ADMITTED:
                assert locked.member is not None
                locked.shareholder = admit_locked(
                    cooperative=cooperative,
                    college=locked.college,
                    member=locked.member,
                    admitted_on=on or timezone.localdate(),
                    admission_decision=decision,
                )
            locked.status = SR.APPROVED
            locked.board_decision = decision
            locked.decided_by = acting_user(actor)
            locked.decided_at = timezone.now()
            locked.save()
            audit_record(actor=actor, action="subscription_approve", target=locked, reason=decision)
            return locked

    return with_retries(attempt)


def subscription_request_reject(*, request: SubscriptionRequest, reason: str, actor: Actor) -> SubscriptionRequest:
    """Raises PermissionDenied, InvalidInput (no reason), RequestNotPending."""
    require_administrator(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(fields={"reason": [_("Say why, in at most 500 characters.")]})
    with transaction.atomic(durable=True):
        _cooperative, locked = _lock_request(request, {SR.REQUESTED, SR.APPROVED})
        locked.status = SR.REJECTED
        locked.rejection_reason = reason
        locked.decided_by = acting_user(actor)
        locked.decided_at = timezone.now()
        locked.save()
        audit_record(actor=actor, action="subscription_reject", target=locked, reason=reason)
        return locked


def subscription_request_cancel(*, request: SubscriptionRequest, actor: Actor) -> SubscriptionRequest:
    """The member withdraws a request not yet paid. Raises PermissionDenied, RequestNotPending."""
    member = member_or_none(actor)
    if member is None or member.pk != request.member_id:
        raise PermissionDenied(_("Only the member who asked may cancel this request."))
    with transaction.atomic(durable=True):
        _cooperative, locked = _lock_request(request, {SR.REQUESTED, SR.APPROVED})
        locked.status = SR.CANCELLED
        locked.save()
        return locked


def subscription_request_pay(
    *, request: SubscriptionRequest, actor: Actor, paid_on: datetime.date | None = None
) -> SubscriptionRequest:
    """Record the payment of an approved request: the euros go to the capital, the shares are issued.

    Safe to repeat: an issued request is returned as it is. Raises PermissionDenied,
    RequestNotPending, and the register's refusals (AboveMaximumHolding…, DateOutOfOrder).
    """
    require_administrator(actor)

    def attempt() -> SubscriptionRequest:
        with transaction.atomic(durable=True):
            cooperative, locked = _lock_request(request, {SR.APPROVED, SR.ISSUED})
            if locked.status == SR.ISSUED:
                return locked
            issued = _issue_locked(cooperative, locked, actor, paid_on or timezone.localdate())
            audit_record(
                actor=actor,
                action="subscription_pay",
                target=issued,
                reason=issued.board_decision,
                movement=issued.movement_id,
                quantity=issued.quantity,
            )
            return issued

    return with_retries(attempt)


def _issue_locked(
    cooperative: Cooperative, locked: SubscriptionRequest, actor: Actor, day: datetime.date
) -> SubscriptionRequest:
    """Record the payment of an approved request under the cooperative's lock."""
    holder = locked.shareholder
    if holder is None or holder.status != Shareholder.Status.ADMITTED:
        # No board approval in the statutes (admitted on payment), or a shareholder who had left.
        legal_person = holder is not None and locked.member is None
        holder = admit_locked(
            cooperative=cooperative,
            college=locked.college,
            member=locked.member,
            legal_name=holder.legal_name if holder is not None and legal_person else "",
            siren=holder.siren if holder is not None and legal_person else "",
            admitted_on=day,
            admission_decision=locked.board_decision,
        )
        locked.shareholder = holder
    locked.movement = subscription_record_locked(
        cooperative=cooperative,
        shareholder=holder,
        share_class=locked.share_class,
        quantity=locked.quantity,
        effective_on=day,
        board_decision=locked.board_decision,
        actor=actor,
        idempotency_key=f"coop-subscription:{locked.pk}",
    )
    locked.status = SR.ISSUED
    locked.save()
    return locked


def share_subscribe(
    *,
    cooperative: Cooperative,
    shareholder: Shareholder,
    share_class: ShareClass,
    quantity: int,
    board_decision: str,
    actor: Actor,
    paid_on: datetime.date | None = None,
) -> SubscriptionRequest:
    """An administrator records a subscription decided and paid at once (founding, a paper form).

    All or nothing: a refusal leaves no request behind. Raises what subscription_request_pay raises.
    """
    require_administrator(actor)
    quantity = _check_quantity(quantity)
    decision = _clean_decision(board_decision, required=cooperative.board_approval_required)
    if shareholder.cooperative_id != cooperative.pk:
        raise NotAdmitted()

    def attempt() -> SubscriptionRequest:
        with transaction.atomic(durable=True):
            locked = lock_cooperative(cooperative)
            request = SubscriptionRequest.objects.create(
                cooperative=locked,
                member=shareholder.member,
                shareholder=shareholder,
                college=shareholder.college,
                share_class=share_class,
                quantity=quantity,
                source=SubscriptionRequest.Source.ADMINISTRATOR,
                status=SR.APPROVED,
                board_decision=decision,
                decided_by=acting_user(actor),
                decided_at=timezone.now(),
            )
            issued = _issue_locked(locked, request, actor, paid_on or timezone.localdate())
            audit_record(
                actor=actor,
                action="share_subscribe",
                target=issued,
                reason=decision,
                movement=issued.movement_id,
                quantity=quantity,
            )
            return issued

    return with_retries(attempt)


def subscription_request_for_campaign(
    *, cooperative: Cooperative, share_class: ShareClass, quantity: int, member: Member, college: College
) -> SubscriptionRequest:
    """A share campaign succeeded: ask, for one backer, the shares they pledged (the system acts).

    Runs inside the caller's transaction (the campaign's settlement of that pledge). A newcomer asks
    to join `college`; a shareholder stays in theirs. Raises AboveMaximumHolding, BelowMinimumHolding.
    """
    locked = lock_cooperative(cooperative)
    shareholder = Shareholder.objects.filter(cooperative=locked, member=member).first()
    if shareholder is not None and shareholder.status == Shareholder.Status.ADMITTED:
        college = shareholder.college
    return _request_locked(
        cooperative=locked,
        member=member,
        shareholder=shareholder,
        college=college,
        share_class=share_class,
        quantity=quantity,
        source=SubscriptionRequest.Source.CAMPAIGN,
    )
