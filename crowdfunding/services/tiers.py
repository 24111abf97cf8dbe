"""Reward tiers: the owner adds, changes and removes the rewards of a draft, under the campaign's lock."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import InvalidInput
from core.typing import Actor
from crowdfunding.errors import CampaignNotEditable
from crowdfunding.models import Campaign, RewardTier
from ledger.units import get_unit

from .checks import amount_minor, clean_text, lock_campaign, require_owner

S = Campaign.Status
UNSET: Any = object()


def _editable_for_tiers(campaign: Campaign, actor: Actor) -> Campaign:
    locked = lock_campaign(campaign)
    require_owner(locked, actor)
    if locked.status != S.DRAFT:
        raise CampaignNotEditable()
    return locked


def _tier_fields(
    campaign: Campaign,
    *,
    title: Any,
    description: Any,
    minimum: Money | None,
    stock: Any,
    estimated_delivery: datetime.date | None,
) -> dict[str, Any]:
    if stock is not None and (isinstance(stock, bool) or not isinstance(stock, int) or stock < 1 or stock > 100000):
        raise InvalidInput(fields={"stock": [_("A number from 1 to 100000, or empty for unlimited.")]})
    return {
        "title": clean_text(title, "title", 120),
        "description": clean_text(description, "description", 2000, required=False),
        "minimum": amount_minor(minimum, campaign.unit, "minimum"),
        "stock": stock,
        "estimated_delivery": estimated_delivery,
    }


def tier_create(
    *,
    campaign: Campaign,
    title: str,
    minimum: Money,
    description: str = "",
    stock: int | None = None,
    estimated_delivery: datetime.date | None = None,
    actor: Actor,
) -> RewardTier:
    """The owner adds a reward to a draft. Raises PermissionDenied, CampaignNotEditable, InvalidInput."""
    with transaction.atomic(durable=True):
        locked = _editable_for_tiers(campaign, actor)
        fields = _tier_fields(
            locked,
            title=title,
            description=description,
            minimum=minimum,
            stock=stock,
            estimated_delivery=estimated_delivery,
        )
        position = (locked.tiers.aggregate(top=Max("position"))["top"] or 0) + 1
        return RewardTier.objects.create(campaign=locked, position=position, **fields)


def tier_update(
    *,
    tier: RewardTier,
    actor: Actor,
    title: Any = UNSET,
    minimum: Any = UNSET,
    description: Any = UNSET,
    stock: Any = UNSET,
    estimated_delivery: Any = UNSET,
) -> RewardTier:
    """The owner changes a reward of a draft. Raises PermissionDenied, CampaignNotEditable, InvalidInput."""
    with transaction.atomic(durable=True):
        locked = _editable_for_tiers(tier.campaign, actor)
        current = RewardTier.objects.select_for_update().get(pk=tier.pk)
        fields = _tier_fields(
            locked,
            title=current.title if title is UNSET else title,
            description=current.description if description is UNSET else description,
            minimum=get_unit(locked.unit).to_money(current.minimum) if minimum is UNSET else minimum,
            stock=current.stock if stock is UNSET else stock,
            estimated_delivery=current.estimated_delivery if estimated_delivery is UNSET else estimated_delivery,
        )
        for name, value in fields.items():
            setattr(current, name, value)
        current.save()
        return current


def tier_delete(*, tier: RewardTier, actor: Actor) -> None:
    """The owner removes a reward from a draft. Raises PermissionDenied, CampaignNotEditable."""
    with transaction.atomic(durable=True):
        _editable_for_tiers(tier.campaign, actor)
        RewardTier.objects.filter(pk=tier.pk).delete()
