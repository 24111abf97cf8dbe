"""Matchfunding: a sponsor's pool matches the running pledges of one campaign, within its caps.

A match is a second hold, from the sponsor's account towards the campaign's escrow, beside the
pledge's own; it is released and taken again whenever the pledge changes.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.audit import audit_record
from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from crowdfunding.errors import OwnCampaign, PoolNotAllowed
from crowdfunding.models import Campaign, MatchingPool, Pledge
from crowdfunding.selectors import is_moderator
from crowdfunding.services.checks import amount_minor
from crowdfunding.services.pledges.steps import S, _member_account, _memo
from ledger.errors import AccountNotFound
from ledger.models import Hold
from ledger.selectors import member_account
from ledger.services import hold_create, hold_void, lock_accounts
from ledger.units import get_unit
from members.models import Member
from members.selectors import member_or_none


def match_for(pool: MatchingPool, amount: int, already_matched_elsewhere: int) -> int:
    """What the pool's rule gives a pledge of `amount` (minor units), before the sponsor's balance."""
    matched = int((Decimal(amount) * pool.ratio).to_integral_value(rounding=ROUND_DOWN))
    if pool.per_backer_cap is not None:
        matched = min(matched, pool.per_backer_cap)
    return max(0, min(matched, pool.total_cap - already_matched_elsewhere))


def _rematch(pledge: Pledge, campaign: Campaign, actor: Actor) -> None:
    """Release the pledge's match and match it again under the current rule (pool row locked).

    A pledge keeps its pool if that pool has been closed since, but can then only go down.
    """
    previous_pool_id, previous_match = pledge.pool_id, pledge.match_amount
    pool_id = previous_pool_id
    if pool_id is None:
        pool_id = (
            MatchingPool.objects.filter(campaign=campaign, status=MatchingPool.Status.ACTIVE)
            .values_list("pk", flat=True)
            .first()
        )
    if pool_id is None:
        return
    pool = MatchingPool.objects.select_for_update().get(pk=pool_id)
    if pledge.match_hold_id is not None:
        hold_void(hold=Hold(pk=pledge.match_hold_id), actor=actor, flow=True)
        MatchingPool.objects.filter(pk=pool.pk).update(matched_total=F("matched_total") - previous_match)
        pool.matched_total -= previous_match
    pledge.match_hold, pledge.match_amount, pledge.pool = None, 0, None
    if pledge.status != Pledge.Status.ACTIVE or pool.sponsor_id == pledge.backer_id:
        return
    wanted = match_for(pool, pledge.amount, pool.matched_total)
    if pool.status == MatchingPool.Status.CLOSED:
        wanted = min(wanted, previous_match)
    try:
        account = member_account(pool.sponsor_id, campaign.unit)
    except AccountNotFound:
        return
    if wanted <= 0:
        return
    locked = lock_accounts([account.pk])[account.pk]
    if locked.available is not None:
        wanted = min(wanted, locked.available)
    if wanted <= 0:
        return
    try:
        with transaction.atomic():
            assert campaign.escrow_account is not None
            hold = hold_create(
                from_account=locked,
                to_account=campaign.escrow_account,
                amount=get_unit(campaign.unit).to_money(wanted),
                memo=_memo(campaign, match=True),
                actor=None,
                idempotency_key=f"pledge:{pledge.pk}:v{pledge.version}:match",
            )
    except ApplicationError:
        return  # the sponsor cannot pay now (frozen, membership lapsed): the pledge stands unmatched
    MatchingPool.objects.filter(pk=pool.pk).update(matched_total=F("matched_total") + wanted)
    pledge.match_hold, pledge.match_amount, pledge.pool = hold, wanted, pool


def _ratio(value: Any) -> Decimal:
    try:
        ratio = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(fields={"ratio": [_("A number such as 1 (one for one) or 0.5.")]}) from None
    if not ratio.is_finite() or ratio <= 0 or ratio > 10 or ratio.as_tuple().exponent < -3:  # type: ignore[operator]
        raise InvalidInput(fields={"ratio": [_("A number above 0 and at most 10, three decimals at most.")]})
    return ratio


def pool_create(
    *,
    campaign: Campaign,
    sponsor: Member,
    ratio: Any,
    total_cap: Money,
    per_backer_cap: Money | None = None,
    show_name: bool = False,
    actor: Actor,
) -> MatchingPool:
    """A sponsor (or a moderator for them) puts a matching rule on an approved or live campaign.

    The pledges already running are matched at once, oldest first, until the cap is reached. The
    sponsor's name is public only if `show_name` (their consent); otherwise « un mécène ».
    Raises PermissionDenied, PoolNotAllowed, InvalidInput (one active pool per campaign), OwnCampaign.
    """
    member = member_or_none(actor)
    if not is_moderator(actor) and (member is None or member.pk != sponsor.pk):
        raise PermissionDenied(_("Only the sponsor or a moderator may add a matching pool."))
    ratio_value = _ratio(ratio)

    def attempt() -> MatchingPool:
        with transaction.atomic(durable=True):
            locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if locked.status not in {S.APPROVED, S.LIVE} or locked.deadline <= timezone.now():
                raise PoolNotAllowed()
            if locked.raises_shares:
                raise PoolNotAllowed(_("Pledges of cooperative shares are not matched."))
            if sponsor.pk == locked.owner_id:
                raise OwnCampaign(_("The owner cannot match their own campaign's pledges."))
            _member_account(sponsor, locked.unit)
            total = amount_minor(total_cap, locked.unit, "total_cap")
            per_backer = amount_minor(per_backer_cap, locked.unit, "per_backer_cap", required=False)
            assert total is not None
            if MatchingPool.objects.filter(campaign=locked, status=MatchingPool.Status.ACTIVE).exists():
                raise InvalidInput(_("This campaign already has an active matching pool: close it first."))
            pool = MatchingPool.objects.create(
                campaign=locked,
                sponsor=sponsor,
                ratio=ratio_value,
                total_cap=total,
                per_backer_cap=per_backer,
                show_name=show_name,
                created_by=acting_user(actor),
            )
            running = Pledge.objects.select_for_update().filter(
                campaign=locked, status=Pledge.Status.ACTIVE, pool__isnull=True
            )
            for pledge in running.order_by("id"):
                _rematch(pledge, locked, actor)
                pledge.save()
            pool.refresh_from_db()
            if is_moderator(actor):
                audit_record(
                    actor=actor,
                    action="pool_create",
                    target=pool,
                    campaign=locked.pk,
                    sponsor=sponsor.pk,
                    ratio=pool.ratio,
                    total_cap=pool.total_cap,
                    per_backer_cap=pool.per_backer_cap,
                )
            return pool

    return with_retries(attempt)


def pool_close(*, pool: MatchingPool, actor: Actor) -> MatchingPool:
    """No new matches from this pool; the matches already made stand. Raises PermissionDenied."""
    member = member_or_none(actor)
    if not is_moderator(actor) and (member is None or member.pk != pool.sponsor_id):
        raise PermissionDenied(_("Only the sponsor or a moderator may close a matching pool."))
    with transaction.atomic(durable=True):
        Campaign.objects.select_for_update().get(pk=pool.campaign_id)
        locked = MatchingPool.objects.select_for_update().get(pk=pool.pk)
        locked.status = MatchingPool.Status.CLOSED
        locked.save(update_fields=["status"])
        if is_moderator(actor):
            audit_record(actor=actor, action="pool_close", target=locked, campaign=locked.campaign_id)
        return locked
