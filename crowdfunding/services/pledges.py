"""Pledges (ledger holds towards the campaign's escrow) and matchfunding pools.

Lock order, the same in every write: the campaign row, then reward tiers, then the matching pool,
then the pledge, then the ledger's accounts (inside the ledger's services). Locking the campaign
row serialises the pledges of one campaign with each other and with the decision at the deadline:
once a campaign is decided, no pledge can change any more.

A change of amount voids the pledge's hold and puts a new one (numbered by `version`, each with
its own ledger idempotency key) in the same database transaction, so the backer's available
balance never counts both, and a refusal (insufficient funds) leaves the old hold in place.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from djmoney.money import Money

from core.audit import audit_record
from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from crowdfunding.errors import (
    AlreadyPledged,
    BelowTierMinimum,
    CampaignClosed,
    NoAccountInUnit,
    OwnCampaign,
    PledgeNotActive,
    PoolNotAllowed,
    TierSoldOut,
)
from crowdfunding.models import Campaign, MatchingPool, Pledge, RewardTier
from crowdfunding.selectors import is_moderator
from ledger.errors import AccountNotFound, InvalidAmount, MembershipExpired, UnitMismatch
from ledger.models import Account, Hold
from ledger.selectors import member_account
from ledger.services import hold_create, hold_void, lock_accounts
from ledger.units import get_unit
from members.models import Member
from members.selectors import member_or_none

from .checks import amount_minor

S = Campaign.Status
UNSET: Any = object()


# --- helpers --------------------------------------------------------------------------------


def _lock_open_campaign(campaign_id: int) -> Campaign:
    """Lock the campaign and check it takes pledges now; an approved one whose start came goes live."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    now = timezone.now()
    if campaign.status not in {S.APPROVED, S.LIVE} or not campaign.starts_at <= now < campaign.deadline:
        if campaign.status in {S.APPROVED, S.LIVE} and now < campaign.starts_at:
            raise CampaignClosed(_("This campaign opens on %(date)s.") % {"date": _day(campaign.starts_at)})
        raise CampaignClosed()
    if campaign.status == S.APPROVED:
        campaign.status = S.LIVE
        campaign.save(update_fields=["status", "updated_at"])
    return campaign


def _day(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def _member_account(member: Member, unit: str) -> Account:
    try:
        return member_account(member, unit)
    except AccountNotFound:
        raise NoAccountInUnit() from None


def _amount(campaign: Campaign, amount: Money | None) -> int:
    if amount is None:
        raise InvalidInput(fields={"amount": [_("This field is required.")]})
    try:
        minor = get_unit(campaign.unit).to_minor(amount)
    except (InvalidAmount, UnitMismatch) as exc:  # UnitMismatch: an amount in another unit
        raise InvalidInput(fields={"amount": [str(exc.message)]}) from None
    if minor <= 0:
        raise InvalidInput(fields={"amount": [_("The amount must be greater than zero.")]})
    return minor


def _shares(campaign: Campaign, amount: int) -> int | None:
    """A share campaign's pledge in shares (None for a gift campaign). Raises InvalidInput."""
    if campaign.share_class is None:
        return None
    nominal = campaign.share_class.nominal_value
    if amount % nominal:
        unit = get_unit(campaign.unit)
        raise InvalidInput(
            fields={
                "amount": [_("Shares are bought whole: a multiple of %(nominal)s.") % {"nominal": unit.format(nominal)}]
            }
        )
    return amount // nominal


def _claim_tier(campaign: Campaign, tier_id: int | None, amount: int) -> RewardTier | None:
    """Lock the tier, check the minimum and the stock, claim one. Raises BelowTierMinimum, TierSoldOut."""
    if tier_id is None:
        return None
    tier = RewardTier.objects.select_for_update().filter(pk=tier_id, campaign=campaign).first()
    if tier is None:
        raise InvalidInput(fields={"tier": [_("This reward is not one of this campaign's.")]})
    if amount < tier.minimum:
        unit = get_unit(campaign.unit)
        raise BelowTierMinimum(
            _("The reward “%(tier)s” needs at least %(minimum)s.")
            % {"tier": tier.title, "minimum": unit.format(tier.minimum)},
            fields={"amount": [_("At least %(minimum)s.") % {"minimum": unit.format(tier.minimum)}]},
        )
    if tier.stock is not None and tier.claimed >= tier.stock:
        raise TierSoldOut(_("The reward “%(tier)s” is sold out.") % {"tier": tier.title})
    RewardTier.objects.filter(pk=tier.pk).update(claimed=F("claimed") + 1)
    return tier


def _release_tier(tier_id: int | None) -> None:
    if tier_id is not None:
        RewardTier.objects.filter(pk=tier_id).update(claimed=F("claimed") - 1)


def _memo(campaign: Campaign, *, match: bool = False) -> str:
    params = {"title": campaign.title[:150], "id": campaign.pk}
    with override(settings.LANGUAGE_CODE):  # the books read the same whoever pledged
        if match:
            return _("Matching of “%(title)s” (campaign #%(id)s)") % params
        return _("Pledge to “%(title)s” (campaign #%(id)s), held until the deadline") % params


def _hold_pledge(campaign: Campaign, backer_account: Account, amount: int, key: str, actor: Actor) -> Hold:
    assert campaign.escrow_account is not None
    return hold_create(
        from_account=backer_account,
        to_account=campaign.escrow_account,
        amount=get_unit(campaign.unit).to_money(amount),
        memo=_memo(campaign),
        actor=actor,
        idempotency_key=key,
    )


# --- matchfunding ---------------------------------------------------------------------------


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
    actor: Actor,
) -> MatchingPool:
    """A sponsor (or a moderator for them) puts a matching rule on an approved or live campaign.

    The pledges already running are matched at once, oldest first, until the cap is reached.
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


# --- pledges --------------------------------------------------------------------------------


def pledge_create(
    *,
    campaign: Campaign,
    backer: Member,
    amount: Money,
    tier: RewardTier | None = None,
    anonymous: bool = False,
    actor: Actor,
) -> Pledge:
    """Back a campaign: `amount` is held on the backer's account until the deadline.

    Raises PermissionDenied, CampaignClosed, OwnCampaign, AlreadyPledged, NoAccountInUnit,
    InvalidInput, BelowTierMinimum, TierSoldOut, and the ledger's refusals (InsufficientFunds,
    MembershipExpired, AccountFrozen…); nothing is written when refused.
    """
    member = member_or_none(actor)
    if member is None or member.pk != backer.pk:
        raise PermissionDenied(_("You may only pledge for yourself."))

    def attempt() -> Pledge:
        with transaction.atomic(durable=True):
            locked = _lock_open_campaign(campaign.pk)
            if backer.pk == locked.owner_id:
                raise OwnCampaign()
            minor = _amount(locked, amount)
            if Pledge.objects.filter(campaign=locked, backer=backer, status=Pledge.Status.ACTIVE).exists():
                raise AlreadyPledged()
            claimed = _claim_tier(locked, tier.pk if tier is not None else None, minor)
            shares = _shares(locked, minor)
            hold = None
            if shares is None:
                account = _member_account(backer, locked.unit)
                sequence = Pledge.objects.filter(campaign=locked, backer=backer).count() + 1
                hold = _hold_pledge(locked, account, minor, f"pledge:{locked.pk}:{backer.pk}:{sequence}:v1", actor)
            elif not backer.membership_valid_on():
                raise MembershipExpired()
            pledge = Pledge.objects.create(
                campaign=locked,
                backer=backer,
                tier=claimed,
                unit=locked.unit,
                amount=minor,
                shares=shares,
                anonymous=bool(anonymous),
                hold=hold,
            )
            if shares is None:
                _rematch(pledge, locked, actor)
            pledge.save()
            return pledge

    return with_retries(attempt)


def _lock_own_active_pledge(pledge: Pledge, actor: Actor) -> tuple[Campaign, Pledge]:
    member = member_or_none(actor)
    if member is None or member.pk != pledge.backer_id:
        raise PermissionDenied(_("Only the backer may change a pledge."))
    campaign = _lock_open_campaign(pledge.campaign_id)
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.status != Pledge.Status.ACTIVE:
        raise PledgeNotActive()
    return campaign, locked


def pledge_change(
    *, pledge: Pledge, actor: Actor, amount: Money | None = None, tier: Any = UNSET, anonymous: bool | None = None
) -> Pledge:
    """Raise or lower a pledge, change its reward or its anonymity while the campaign is live.

    Raises PermissionDenied, CampaignClosed, PledgeNotActive, InvalidInput, BelowTierMinimum,
    TierSoldOut, and the ledger's refusals; a refusal leaves the pledge and its hold as they were.
    """

    def attempt() -> Pledge:
        with transaction.atomic(durable=True):
            campaign, locked = _lock_own_active_pledge(pledge, actor)
            minor = locked.amount if amount is None else _amount(campaign, amount)
            tier_id = locked.tier_id if tier is UNSET else (tier.pk if tier is not None else None)
            if tier_id != locked.tier_id:
                _release_tier(locked.tier_id)
                locked.tier = _claim_tier(campaign, tier_id, minor)
            elif tier_id is not None:
                current = RewardTier.objects.get(pk=tier_id)
                if minor < current.minimum:
                    unit = get_unit(campaign.unit)
                    raise BelowTierMinimum(
                        _("The reward “%(tier)s” needs at least %(minimum)s.")
                        % {"tier": current.title, "minimum": unit.format(current.minimum)},
                        fields={"amount": [_("At least %(minimum)s.") % {"minimum": unit.format(current.minimum)}]},
                    )
            if anonymous is not None:
                locked.anonymous = bool(anonymous)
            if minor != locked.amount and campaign.raises_shares:
                locked.shares = _shares(campaign, minor)
                locked.amount = minor
            elif minor != locked.amount:
                hold_void(hold=Hold(pk=locked.hold_id), actor=actor, flow=True)
                locked.version += 1
                account = _member_account(locked.backer, campaign.unit)
                locked.hold = _hold_pledge(campaign, account, minor, f"pledge:{locked.pk}:v{locked.version}", actor)
                locked.amount = minor
                _rematch(locked, campaign, actor)
            locked.save()
            return locked

    return with_retries(attempt)


def pledge_withdraw(*, pledge: Pledge, actor: Actor) -> Pledge:
    """Withdraw while the campaign is live: the hold (and its match) are released.

    Raises PermissionDenied, CampaignClosed, PledgeNotActive.
    """

    def attempt() -> Pledge:
        with transaction.atomic(durable=True):
            campaign, locked = _lock_own_active_pledge(pledge, actor)
            if locked.hold_id is not None:
                hold_void(hold=Hold(pk=locked.hold_id), actor=actor, flow=True)
            _release_tier(locked.tier_id)
            locked.status = Pledge.Status.WITHDRAWN
            locked.resolved_at = timezone.now()
            _rematch(locked, campaign, actor)
            locked.save()
            return locked

    return with_retries(attempt)


def pledge_mark_delivered(*, pledge: Pledge, delivered: bool = True, actor: Actor) -> Pledge:
    """The owner (or a moderator) records that a collected pledge's reward was handed over.

    Raises PermissionDenied, PledgeNotActive (only collected pledges have rewards to deliver).
    """
    member = member_or_none(actor)
    campaign = pledge.campaign
    if not is_moderator(actor) and (member is None or member.pk != campaign.owner_id):
        raise PermissionDenied(_("Only the campaign's owner may record deliveries."))
    with transaction.atomic(durable=True):
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.status != Pledge.Status.CAPTURED or locked.tier_id is None:
            raise PledgeNotActive(_("Only a collected pledge with a reward has something to deliver."))
        locked.reward_delivered_at = timezone.now() if delivered else None
        locked.save(update_fields=["reward_delivered_at", "updated_at"])
        return locked


__all__ = [
    "match_for",
    "pledge_change",
    "pledge_create",
    "pledge_mark_delivered",
    "pledge_withdraw",
    "pool_close",
    "pool_create",
]
