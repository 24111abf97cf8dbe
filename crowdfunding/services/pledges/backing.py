"""A backer's pledge: making it, changing its amount, reward or anonymity, withdrawing it, and the
owner's record that its reward was delivered.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import PermissionDenied
from core.retries import with_retries
from core.typing import Actor
from crowdfunding.errors import AlreadyPledged, BelowTierMinimum, OwnCampaign, PledgeNotActive
from crowdfunding.models import Campaign, Pledge, RewardTier
from crowdfunding.selectors import is_moderator
from crowdfunding.services.pledges.matching import _rematch
from crowdfunding.services.pledges.steps import (
    _amount,
    _claim_tier,
    _hold_pledge,
    _lock_open_campaign,
    _member_account,
    _release_tier,
    _shares,
)
from ledger.errors import MembershipExpired
from ledger.models import Hold
from ledger.services import hold_void
from ledger.units import get_unit
from members.models import Member
from members.selectors import member_or_none

UNSET: Any = object()


def pledge_create(
    *,
    campaign: Campaign,
    backer: Member,
    amount: Money,
    tier: RewardTier | None = None,
    anonymous: bool = True,
    actor: Actor,
) -> Pledge:
    """Back a campaign: `amount` is held on the backer's account until the deadline. The backer's
    name is shown only if they say so (`anonymous=False`): private by default (RGPD consent).

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
