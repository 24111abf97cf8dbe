"""The steps every pledge write shares: locking an open campaign, reading the amount (and, for a
share campaign, the shares), claiming and releasing a reward, and the hold towards the escrow.

Each runs inside the caller's transaction, in the lock order the package's docstring gives.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import InvalidInput
from core.l10n import format_long_date
from core.typing import Actor
from crowdfunding.errors import BelowTierMinimum, CampaignClosed, NoAccountInUnit, TierSoldOut
from crowdfunding.memos import MATCH_HELD, PLEDGE_HELD
from crowdfunding.models import Campaign, RewardTier
from ledger import memos
from ledger.errors import AccountNotFound, InvalidAmount, UnitMismatch
from ledger.models import Account, Hold
from ledger.selectors import member_account
from ledger.services import hold_create
from ledger.units import get_unit
from members.models import Member

S = Campaign.Status


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
    return format_long_date(moment)  # in the reader's language: 6 décembre 2026, 6 December 2026


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


def _memo(campaign: Campaign, *, match: bool = False) -> memos.Memo:
    return memos.memo(MATCH_HELD if match else PLEDGE_HELD, title=campaign.title[:150], id=campaign.pk)


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
