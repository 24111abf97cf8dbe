"""Campaigns: write, submit, moderate (approve, send back, cancel), tiers, images, opening.

draft → submitted → approved (starts later) / live → succeeded / failed → paid out; a moderator
may send a submitted campaign back to draft with comments, or cancel it at any point before it is
decided (every pledge is then released). Each transition locks the campaign row first.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from cooperative.models import College, ShareClass
from cooperative.selectors import can_administer
from core.errors import InvalidInput, PermissionDenied
from core.images import reencoded_jpeg
from core.typing import Actor, acting_user
from crowdfunding import notifications
from crowdfunding.errors import CampaignNotEditable, TransitionNotAllowed
from crowdfunding.models import Campaign, CampaignImage, RewardTier
from crowdfunding.richtext import sanitise
from ledger.audit import audit_record
from ledger.models import Account
from ledger.services import system_account, with_retries
from ledger.units import InvalidAmount, UnknownUnit, get_unit
from members.models import Commune, Member
from members.selectors import member_or_none

from .closing import campaign_settle_pledges

S = Campaign.Status
MAX_IMAGES = 6
UNSET: Any = object()
# Before a decision a moderator may cancel; the owner may withdraw a campaign nobody backs yet.
CANCELLABLE_BY_MODERATOR = {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}
CANCELLABLE_BY_OWNER = {S.DRAFT, S.SUBMITTED}
SHARE_UNIT = "EUR"  # cooperative shares are paid in euros


# --- who ------------------------------------------------------------------------------------


def is_moderator(actor: Actor) -> bool:
    user = acting_user(actor)
    return bool(user is not None and user.is_active and user.is_staff)


def _require_moderator(actor: Actor) -> User:
    if not is_moderator(actor):
        raise PermissionDenied(_("Only a moderator may do this."))
    user = acting_user(actor)
    assert user is not None
    return user


def _require_owner(campaign: Campaign, actor: Actor) -> None:
    member = member_or_none(actor)
    if member is None or member.pk != campaign.owner_id:
        raise PermissionDenied(_("Only the campaign's owner may do this."))


# --- cleaning -------------------------------------------------------------------------------


def _text(value: str | None, field: str, max_length: int, required: bool = True) -> str:
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


def _minor(amount: Money | None, unit: str, field: str, required: bool = True) -> int | None:
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


def _fee_rate(value: Any, unit: str) -> Decimal:
    if value is None:
        return Decimal(settings.BOCAGE_CAMPAIGN_FEE_RATES.get(unit, "0"))
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(fields={"fee_rate": [_("A rate such as 0.05 for 5 %.")]}) from None
    if not rate.is_finite() or rate < 0 or rate > Decimal("0.2") or rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InvalidInput(fields={"fee_rate": [_("A rate between 0 and 0.2, at most four decimals.")]})
    return rate


def _dates(starts_at: datetime.datetime, deadline: datetime.datetime) -> None:
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


def _goals(goal: int, stretch_goal: int | None) -> None:
    if stretch_goal is not None and stretch_goal <= goal:
        raise InvalidInput(fields={"stretch_goal": [_("The stretch goal must be above the goal.")]})


def _model(value: str) -> str:
    if value not in Campaign.Model.values:
        raise InvalidInput(fields={"funding_model": [_("Choose all or nothing, or keep it all.")]})
    return value


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


# --- writing a campaign ---------------------------------------------------------------------


def campaign_create(
    *,
    owner: Member,
    title: str,
    summary: str,
    story: str,
    unit: str,
    goal: Money,
    starts_at: datetime.datetime,
    deadline: datetime.datetime,
    funding_model: str = Campaign.Model.ALL_OR_NOTHING,
    stretch_goal: Money | None = None,
    commune: Commune | None = None,
    share_class: ShareClass | None = None,
    share_college: College | None = None,
    actor: Actor,
) -> Campaign:
    """A new draft campaign of the actor's own. Raises PermissionDenied, InvalidInput.

    With `share_class` (and the `share_college` newcomers join), it raises cooperative shares, in
    euros: only an administrator of that cooperative's register may start one.
    """
    member = member_or_none(actor)
    if member is None or member.pk != owner.pk:
        raise PermissionDenied(_("You may only start a campaign for yourself."))
    if owner.status != Member.Status.ACTIVE:
        raise PermissionDenied(_("A closed member cannot start a campaign."))
    if share_class is not None or share_college is not None:
        _check_share_campaign(share_class, share_college, actor)
    unit = campaign_unit(unit, raises_shares=share_class is not None or share_college is not None)
    goal_minor = _minor(goal, unit, "goal")
    assert goal_minor is not None
    stretch_minor = _minor(stretch_goal, unit, "stretch_goal", required=False)
    _goals(goal_minor, stretch_minor)
    _dates(starts_at, deadline)
    cleaned_story = sanitise(_text(story, "story", 20000))
    if not cleaned_story:
        raise InvalidInput(fields={"story": [_("Tell the story of your project.")]})
    with transaction.atomic(durable=True):
        return Campaign.objects.create(
            owner=owner,
            title=_text(title, "title", 120),
            summary=_text(summary, "summary", 300),
            story=cleaned_story,
            commune=commune if commune is not None else owner.commune,
            unit=unit,
            goal=goal_minor,
            stretch_goal=stretch_minor,
            starts_at=starts_at,
            deadline=deadline,
            funding_model=_model(funding_model),
            fee_rate=Decimal(0) if share_class is not None else _fee_rate(None, unit),
            share_class=share_class,
            share_college=share_college,
        )


def _check_share_campaign(share_class: ShareClass | None, share_college: College | None, actor: Actor) -> None:
    if share_class is None or share_college is None:
        raise InvalidInput(
            fields={"share_class": [_("A share campaign names the share class and the college newcomers join.")]}
        )
    if share_college.cooperative_id != share_class.cooperative_id:
        raise InvalidInput(fields={"share_college": [_("This college is not the cooperative's.")]})
    if not can_administer(actor):
        raise PermissionDenied(_("Only an administrator of the cooperative's register may raise its shares."))


def campaign_update(*, campaign: Campaign, actor: Actor, **changes: Any) -> Campaign:
    """The owner changes a draft (title, summary, story, commune, goal, stretch_goal, dates, model).

    Raises PermissionDenied, CampaignNotEditable, InvalidInput.
    """
    allowed = {
        "title",
        "summary",
        "story",
        "commune",
        "goal",
        "stretch_goal",
        "starts_at",
        "deadline",
        "funding_model",
        "unit",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    with transaction.atomic(durable=True):
        locked = _locked(campaign)
        _require_owner(locked, actor)
        if locked.status != S.DRAFT:
            raise CampaignNotEditable()
        if "unit" in changes:
            unit = campaign_unit(changes["unit"], raises_shares=locked.raises_shares)
        if "unit" in changes and not locked.raises_shares:
            locked.unit = unit
            locked.fee_rate = _fee_rate(None, locked.unit)
            if locked.tiers.exists() and "goal" not in changes:
                raise InvalidInput(fields={"unit": [_("Give the goal again in the new unit.")]})
        if "title" in changes:
            locked.title = _text(changes["title"], "title", 120)
        if "summary" in changes:
            locked.summary = _text(changes["summary"], "summary", 300)
        if "story" in changes:
            story = sanitise(_text(changes["story"], "story", 20000))
            if not story:
                raise InvalidInput(fields={"story": [_("Tell the story of your project.")]})
            locked.story = story
        if "commune" in changes:
            locked.commune = changes["commune"]
        if "goal" in changes:
            goal = _minor(changes["goal"], locked.unit, "goal")
            assert goal is not None
            locked.goal = goal
        if "stretch_goal" in changes:
            locked.stretch_goal = _minor(changes["stretch_goal"], locked.unit, "stretch_goal", required=False)
        if "funding_model" in changes:
            locked.funding_model = _model(changes["funding_model"])
        locked.starts_at = changes.get("starts_at", locked.starts_at)
        locked.deadline = changes.get("deadline", locked.deadline)
        _dates(locked.starts_at, locked.deadline)
        _goals(locked.goal, locked.stretch_goal)
        locked.save()
        return locked


def campaign_submit(*, campaign: Campaign, actor: Actor) -> Campaign:
    """The owner sends a draft to the moderators. Raises PermissionDenied, TransitionNotAllowed, InvalidInput."""
    with transaction.atomic(durable=True):
        locked = _locked(campaign)
        _require_owner(locked, actor)
        if locked.status == S.SUBMITTED:
            return locked
        if locked.status != S.DRAFT:
            raise TransitionNotAllowed()
        if locked.deadline <= timezone.now():
            raise InvalidInput(fields={"deadline": [_("The deadline has passed: choose a new one.")]})
        locked.status = S.SUBMITTED
        locked.save()
        for moderator in User.objects.filter(is_staff=True, is_active=True).exclude(email=""):
            notifications.mail(
                moderator.email,
                _("Campaign to review: “%(title)s”") % {"title": locked.title},
                _("%(owner)s submitted a campaign. Review it: %(url)s")
                % {"owner": locked.owner.display_name, "url": notifications.campaign_url("campaign-moderation")},
            )
        return locked


def campaign_approve(*, campaign: Campaign, actor: Actor, fee_rate: Any = None, comment: str = "") -> Campaign:
    """A moderator approves: the escrow account opens; live at once if its start has come.

    Raises PermissionDenied, TransitionNotAllowed, InvalidInput (deadline passed, fee rate).
    """
    user = _require_moderator(actor)
    with transaction.atomic(durable=True):
        locked = _locked(campaign)
        if locked.status in {S.APPROVED, S.LIVE}:
            return locked
        if locked.status != S.SUBMITTED:
            raise TransitionNotAllowed()
        now = timezone.now()
        if locked.deadline <= now:
            raise InvalidInput(fields={"deadline": [_("The deadline has passed: send the campaign back.")]})
        if fee_rate is not None:
            locked.fee_rate = _fee_rate(fee_rate, locked.unit)
        locked.escrow_account = system_account(
            Account.SystemCode.ESCROW, locked.unit, reference=f"campaign:{locked.pk}"
        )
        locked.status = S.LIVE if locked.starts_at <= now else S.APPROVED
        locked.moderated_by = user
        locked.moderated_at = now
        locked.moderation_comment = _text(comment, "comment", 2000, required=False)
        locked.save()
        audit_record(
            actor=actor,
            action="campaign_approve",
            target=locked,
            reason=locked.moderation_comment,
            status=locked.status,
            fee_rate=locked.fee_rate,
        )
        notifications.mail_owner(
            locked,
            _("Your campaign “%(title)s” is approved") % {"title": locked.title},
            _("It opens to backers on %(start)s.") % {"start": notifications.when(locked.starts_at)},
        )
        return locked


def campaign_send_back(*, campaign: Campaign, actor: Actor, comment: str) -> Campaign:
    """A moderator returns a submitted campaign to its owner with comments.

    Raises PermissionDenied, TransitionNotAllowed, InvalidInput (no comment).
    """
    user = _require_moderator(actor)
    comment = _text(comment, "comment", 2000)
    with transaction.atomic(durable=True):
        locked = _locked(campaign)
        if locked.status != S.SUBMITTED:
            raise TransitionNotAllowed()
        locked.status = S.DRAFT
        locked.moderation_comment = comment
        locked.moderated_by = user
        locked.moderated_at = timezone.now()
        locked.save()
        audit_record(actor=actor, action="campaign_send_back", target=locked, reason=comment)
        notifications.mail_owner(
            locked,
            _("Your campaign “%(title)s” needs changes") % {"title": locked.title},
            _("A moderator wrote:\n\n%(comment)s") % {"comment": comment},
        )
        return locked


def campaign_cancel(*, campaign: Campaign, actor: Actor, reason: str) -> Campaign:
    """Cancel before a decision: a moderator (any time before), or the owner (draft, submitted).

    Every running pledge is then released (here, and by the closing task if this dies half-way).
    Raises PermissionDenied, TransitionNotAllowed, InvalidInput (no reason).
    """
    reason = _text(reason, "reason", 500)
    moderator = is_moderator(actor)

    def attempt() -> Campaign:
        with transaction.atomic(durable=True):
            locked = _locked(campaign)
            if not moderator:
                _require_owner(locked, actor)
            if locked.status == S.CANCELLED:
                return locked
            allowed = CANCELLABLE_BY_MODERATOR if moderator else CANCELLABLE_BY_OWNER
            if locked.status not in allowed:
                raise TransitionNotAllowed()
            locked.status = S.CANCELLED
            locked.cancelled_reason = reason
            locked.decided_at = timezone.now()
            if moderator:
                locked.moderated_by = acting_user(actor)
                locked.moderated_at = locked.decided_at
            locked.save()
            if moderator:  # an owner withdrawing their own campaign is no administrative action
                audit_record(actor=actor, action="campaign_cancel", target=locked, reason=reason)
            return locked

    cancelled = with_retries(attempt)
    campaign_settle_pledges(campaign=cancelled)
    return cancelled


def campaigns_open_due(now: datetime.datetime | None = None) -> int:
    """Approved campaigns whose start has come go live. Safe to run twice."""
    now = now or timezone.now()
    return Campaign.objects.filter(status=S.APPROVED, starts_at__lte=now, deadline__gt=now).update(status=S.LIVE)


# --- tiers ----------------------------------------------------------------------------------


def _editable_for_tiers(campaign: Campaign, actor: Actor) -> Campaign:
    locked = _locked(campaign)
    _require_owner(locked, actor)
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
        "title": _text(title, "title", 120),
        "description": _text(description, "description", 2000, required=False),
        "minimum": _minor(minimum, campaign.unit, "minimum"),
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


# --- images ---------------------------------------------------------------------------------


def campaign_image_add(*, campaign: Campaign, upload: Any, alt_text: str = "", actor: Actor) -> CampaignImage:
    """Add an image (verified, shrunk, re-encoded as JPEG) to one's draft or running campaign.

    Raises PermissionDenied, CampaignNotEditable, InvalidImage, ImageTooLarge, InvalidInput.
    """
    content = reencoded_jpeg(upload)
    with transaction.atomic(durable=True):
        locked = _locked(campaign)
        _require_owner(locked, actor)
        if locked.status not in {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}:
            raise CampaignNotEditable(_("A finished campaign's images can no longer change."))
        if locked.images.count() >= MAX_IMAGES:
            raise InvalidInput(_("A campaign has at most %(count)d images.") % {"count": MAX_IMAGES})
        position = (locked.images.aggregate(top=Max("position"))["top"] or 0) + 1
        image = CampaignImage(campaign=locked, alt_text=_text(alt_text, "alt_text", 200, required=False))
        image.position = position
        image.image.save(content.name, content, save=False)
        image.save()
        return image


def campaign_image_remove(*, image: CampaignImage, actor: Actor) -> None:
    """Raises PermissionDenied, CampaignNotEditable."""
    with transaction.atomic(durable=True):
        locked = _locked(image.campaign)
        _require_owner(locked, actor)
        if locked.status not in {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}:
            raise CampaignNotEditable(_("A finished campaign's images can no longer change."))
        stored = image.image
        CampaignImage.objects.filter(pk=image.pk).delete()
        transaction.on_commit(lambda: stored.delete(save=False))
