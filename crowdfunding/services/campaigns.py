"""Campaigns: write, submit, moderate (approve, send back, cancel), images, opening.

draft → submitted → approved (starts later) / live → succeeded / failed → paid out; a moderator
may send a submitted campaign back to draft with comments, or cancel it at any point before it is
decided (every pledge is then released). Each transition locks the campaign row first.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from cooperative.models import College, ShareClass
from cooperative.selectors import can_administer
from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.images import reencoded_jpeg
from core.retries import with_retries
from core.typing import Actor, acting_user
from crowdfunding import notifications
from crowdfunding.errors import CampaignNotEditable, TransitionNotAllowed
from crowdfunding.models import Campaign, CampaignImage
from crowdfunding.richtext import sanitise
from crowdfunding.selectors import is_moderator
from ledger.models import Account
from ledger.services import system_account
from members.models import Commune, Member
from members.selectors import member_or_none

from .checks import (
    amount_minor,
    campaign_unit,
    check_dates,
    check_funding_model,
    check_goals,
    clean_text,
    fee_rate_of,
    lock_campaign,
    require_moderator,
    require_owner,
)
from .closing import campaign_settle_pledges

S = Campaign.Status
MAX_IMAGES = 6
# Before a decision a moderator may cancel; the owner may withdraw a campaign nobody backs yet.
CANCELLABLE_BY_MODERATOR = {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}
CANCELLABLE_BY_OWNER = {S.DRAFT, S.SUBMITTED}


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
    goal_minor = amount_minor(goal, unit, "goal")
    assert goal_minor is not None
    stretch_minor = amount_minor(stretch_goal, unit, "stretch_goal", required=False)
    check_goals(goal_minor, stretch_minor)
    check_dates(starts_at, deadline)
    cleaned_story = sanitise(clean_text(story, "story", 20000))
    if not cleaned_story:
        raise InvalidInput(fields={"story": [_("Tell the story of your project.")]})
    with transaction.atomic(durable=True):
        return Campaign.objects.create(
            owner=owner,
            title=clean_text(title, "title", 120),
            summary=clean_text(summary, "summary", 300),
            story=cleaned_story,
            commune=commune if commune is not None else owner.commune,
            unit=unit,
            goal=goal_minor,
            stretch_goal=stretch_minor,
            starts_at=starts_at,
            deadline=deadline,
            funding_model=check_funding_model(funding_model),
            fee_rate=Decimal(0) if share_class is not None else fee_rate_of(None, unit),
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
        locked = lock_campaign(campaign)
        require_owner(locked, actor)
        if locked.status != S.DRAFT:
            raise CampaignNotEditable()
        if "unit" in changes:
            unit = campaign_unit(changes["unit"], raises_shares=locked.raises_shares)
        if "unit" in changes and not locked.raises_shares:
            locked.unit = unit
            locked.fee_rate = fee_rate_of(None, locked.unit)
            if locked.tiers.exists() and "goal" not in changes:
                raise InvalidInput(fields={"unit": [_("Give the goal again in the new unit.")]})
        if "title" in changes:
            locked.title = clean_text(changes["title"], "title", 120)
        if "summary" in changes:
            locked.summary = clean_text(changes["summary"], "summary", 300)
        if "story" in changes:
            story = sanitise(clean_text(changes["story"], "story", 20000))
            if not story:
                raise InvalidInput(fields={"story": [_("Tell the story of your project.")]})
            locked.story = story
        if "commune" in changes:
            locked.commune = changes["commune"]
        if "goal" in changes:
            goal = amount_minor(changes["goal"], locked.unit, "goal")
            assert goal is not None
            locked.goal = goal
        if "stretch_goal" in changes:
            locked.stretch_goal = amount_minor(changes["stretch_goal"], locked.unit, "stretch_goal", required=False)
        if "funding_model" in changes:
            locked.funding_model = check_funding_model(changes["funding_model"])
        locked.starts_at = changes.get("starts_at", locked.starts_at)
        locked.deadline = changes.get("deadline", locked.deadline)
        check_dates(locked.starts_at, locked.deadline)
        check_goals(locked.goal, locked.stretch_goal)
        locked.save()
        return locked


def campaign_submit(*, campaign: Campaign, actor: Actor) -> Campaign:
    """The owner sends a draft to the moderators. Raises PermissionDenied, TransitionNotAllowed, InvalidInput."""
    with transaction.atomic(durable=True):
        locked = lock_campaign(campaign)
        require_owner(locked, actor)
        if locked.status == S.SUBMITTED:
            return locked
        if locked.status != S.DRAFT:
            raise TransitionNotAllowed()
        if locked.deadline <= timezone.now():
            raise InvalidInput(fields={"deadline": [_("The deadline has passed: choose a new one.")]})
        locked.status = S.SUBMITTED
        locked.save()
        for moderator in User.objects.filter(is_staff=True, is_active=True):
            notifications.moderator_notify(
                moderator,
                locked,
                _("Campaign to review: “%(title)s”") % {"title": locked.title},
                _("%(owner)s submitted a campaign. Review it: %(url)s")
                % {"owner": locked.owner.display_name, "url": notifications.campaign_url("campaign-moderation")},
            )
        return locked


def campaign_approve(*, campaign: Campaign, actor: Actor, fee_rate: Any = None, comment: str = "") -> Campaign:
    """A moderator approves: the escrow account opens; live at once if its start has come.

    Raises PermissionDenied, TransitionNotAllowed, InvalidInput (deadline passed, fee rate).
    """
    user = require_moderator(actor)
    with transaction.atomic(durable=True):
        locked = lock_campaign(campaign)
        if locked.status in {S.APPROVED, S.LIVE}:
            return locked
        if locked.status != S.SUBMITTED:
            raise TransitionNotAllowed()
        now = timezone.now()
        if locked.deadline <= now:
            raise InvalidInput(fields={"deadline": [_("The deadline has passed: send the campaign back.")]})
        if fee_rate is not None:
            locked.fee_rate = fee_rate_of(fee_rate, locked.unit)
        locked.escrow_account = system_account(
            Account.SystemCode.ESCROW, locked.unit, reference=f"campaign:{locked.pk}"
        )
        locked.status = S.LIVE if locked.starts_at <= now else S.APPROVED
        locked.moderated_by = user
        locked.moderated_at = now
        locked.moderation_comment = clean_text(comment, "comment", 2000, required=False)
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
            "campaign_approved",
            {"title": locked.title, "start": locked.starts_at.isoformat()},
            _("Your campaign “%(title)s” is approved") % {"title": locked.title},
            _("It opens to backers on %(start)s.") % {"start": notifications.when(locked.starts_at)},
        )
        return locked


def campaign_send_back(*, campaign: Campaign, actor: Actor, comment: str) -> Campaign:
    """A moderator returns a submitted campaign to its owner with comments.

    Raises PermissionDenied, TransitionNotAllowed, InvalidInput (no comment).
    """
    user = require_moderator(actor)
    comment = clean_text(comment, "comment", 2000)
    with transaction.atomic(durable=True):
        locked = lock_campaign(campaign)
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
            "campaign_sent_back",
            {"title": locked.title, "comment": comment},
            _("Your campaign “%(title)s” needs changes") % {"title": locked.title},
            _("A moderator wrote:\n\n%(comment)s") % {"comment": comment},
        )
        return locked


def campaign_cancel(*, campaign: Campaign, actor: Actor, reason: str) -> Campaign:
    """Cancel before a decision: a moderator (any time before), or the owner (draft, submitted).

    Every running pledge is then released (here, and by the closing task if this dies half-way).
    Raises PermissionDenied, TransitionNotAllowed, InvalidInput (no reason).
    """
    reason = clean_text(reason, "reason", 500)
    moderator = is_moderator(actor)

    def attempt() -> Campaign:
        with transaction.atomic(durable=True):
            locked = lock_campaign(campaign)
            if not moderator:
                require_owner(locked, actor)
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


# --- images ---------------------------------------------------------------------------------


def campaign_image_add(*, campaign: Campaign, upload: Any, alt_text: str = "", actor: Actor) -> CampaignImage:
    """Add an image (verified, shrunk, re-encoded as JPEG) to one's draft or running campaign.

    Raises PermissionDenied, CampaignNotEditable, InvalidImage, ImageTooLarge, InvalidInput.
    """
    content = reencoded_jpeg(upload)
    with transaction.atomic(durable=True):
        locked = lock_campaign(campaign)
        require_owner(locked, actor)
        if locked.status not in {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}:
            raise CampaignNotEditable(_("A finished campaign's images can no longer change."))
        if locked.images.count() >= MAX_IMAGES:
            raise InvalidInput(_("A campaign has at most %(count)d images.") % {"count": MAX_IMAGES})
        position = (locked.images.aggregate(top=Max("position"))["top"] or 0) + 1
        image = CampaignImage(campaign=locked, alt_text=clean_text(alt_text, "alt_text", 200, required=False))
        image.position = position
        image.image.save(content.name, content, save=False)
        image.save()
        return image


def campaign_image_remove(*, image: CampaignImage, actor: Actor) -> None:
    """Raises PermissionDenied, CampaignNotEditable."""
    with transaction.atomic(durable=True):
        locked = lock_campaign(image.campaign)
        require_owner(locked, actor)
        if locked.status not in {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}:
            raise CampaignNotEditable(_("A finished campaign's images can no longer change."))
        stored = image.image
        CampaignImage.objects.filter(pk=image.pk).delete()
        transaction.on_commit(lambda: stored.delete(save=False))
