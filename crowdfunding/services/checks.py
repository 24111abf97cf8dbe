"""What the crowdfunding services share: who acts (the owner, a moderator), the campaign row's
lock, and the cleaning of what is typed (texts, amounts, the unit, dates, the fee rate)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import InvalidInput, PermissionDenied
from core.typing import Actor, acting_user
from crowdfunding.models import Campaign
from crowdfunding.selectors import is_moderator
from ledger.units import InvalidAmount, UnknownUnit, get_unit
from members.selectors import member_or_none

SHARE_UNIT = "EUR"  # cooperative shares are paid in euros


# --- who ------------------------------------------------------------------------------------


def require_moderator(actor: Actor) -> User:
    if not is_moderator(actor):
        raise PermissionDenied(_("Only a moderator may do this."))
    user = acting_user(actor)
    assert user is not None
    return user


def require_owner(campaign: Campaign, actor: Actor) -> None:
    member = member_or_none(actor)
    if member is None or member.pk != campaign.owner_id:
        raise PermissionDenied(_("Only the campaign's owner may do this."))


# --- cleaning -------------------------------------------------------------------------------


def clean_text(value: str | None, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(fields={field: [_("This field is required.")]})
    if len(text) > max_length:
        raise InvalidInput(fields={field: [_("At most %(count)d characters.") % {"count": max_length}]})
    return text


def _unit(code: str) -> str:
    if code not in settings.BOCAGE_CAMPAIGN_UNITS:
        raise InvalidInput(
            fields={"unit": [_("Campaigns raise %(units)s.") % {"units": ", ".join(settings.BOCAGE_CAMPAIGN_UNITS)}]}
        )
    try:
        get_unit(code)
    except UnknownUnit:
        raise InvalidInput(fields={"unit": [_("This unit does not exist.")]}) from None
    return code


def campaign_unit(code: str, *, raises_shares: bool) -> str:
    """The unit a campaign may raise: euros for cooperative shares, else one of the campaign units.

    Raises InvalidInput on "unit". The API reads amounts in this unit, so it asks before the service runs.
    """
    if raises_shares:
        if code != SHARE_UNIT:
            raise InvalidInput(fields={"unit": [_("Cooperative shares are paid in euros.")]})
        return SHARE_UNIT
    return _unit(code)


def amount_minor(amount: Money | None, unit: str, field: str, required: bool = True) -> int | None:
    if amount is None:
        if required:
            raise InvalidInput(fields={field: [_("This field is required.")]})
        return None
    try:
        minor = get_unit(unit).to_minor(amount)
    except InvalidAmount as exc:
        raise InvalidInput(fields={field: [str(exc.message)]}) from None
    except Exception as exc:  # UnitMismatch: an amount in another unit
        if getattr(exc, "code", "") == "unit_mismatch":
            raise InvalidInput(fields={field: [str(exc)]}) from None
        raise
    if minor <= 0:
        raise InvalidInput(fields={field: [_("The amount must be greater than zero.")]})
    return minor


def fee_rate_of(value: Any, unit: str) -> Decimal:
    if value is None:
        return Decimal(settings.BOCAGE_CAMPAIGN_FEE_RATES.get(unit, "0"))
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(fields={"fee_rate": [_("A rate such as 0.05 for 5 %.")]}) from None
    if not rate.is_finite() or rate < 0 or rate > Decimal("0.2") or rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InvalidInput(fields={"fee_rate": [_("A rate between 0 and 0.2, at most four decimals.")]})
    return rate


def check_dates(starts_at: datetime.datetime, deadline: datetime.datetime) -> None:
    if deadline <= starts_at:
        raise InvalidInput(fields={"deadline": [_("The deadline must come after the start.")]})
    if deadline - starts_at > datetime.timedelta(days=settings.BOCAGE_CAMPAIGN_MAX_DAYS):
        raise InvalidInput(
            fields={
                "deadline": [
                    _("A campaign runs for at most %(days)d days.") % {"days": settings.BOCAGE_CAMPAIGN_MAX_DAYS}
                ]
            }
        )


def check_goals(goal: int, stretch_goal: int | None) -> None:
    if stretch_goal is not None and stretch_goal <= goal:
        raise InvalidInput(fields={"stretch_goal": [_("The stretch goal must be above the goal.")]})


def check_funding_model(value: str) -> str:
    if value not in Campaign.Model.values:
        raise InvalidInput(fields={"funding_model": [_("Choose all or nothing, or keep it all.")]})
    return value


def lock_campaign(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)
