"""Reads of the crowdfunding app: who may see which campaign and pledge, progress, backers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from core.typing import Actor, RequestUser, acting_user
from crowdfunding.errors import CampaignNotFound, PledgeNotFound
from crowdfunding.models import Campaign, MatchingPool, Pledge
from ledger.selectors import can_read_everything
from members.selectors import member_or_none

S = Campaign.Status
# Seen by everyone, logged in or not: what a moderator has let out (a cancelled campaign stays
# visible, so its backers can read why their pledge was released).
PUBLIC_STATUSES = [S.APPROVED, S.LIVE, S.SUCCEEDED, S.FAILED, S.PAID_OUT, S.CANCELLED]
LISTED_STATUSES = [S.APPROVED, S.LIVE, S.SUCCEEDED, S.PAID_OUT]


def is_moderator(actor: Actor) -> bool:
    user = acting_user(actor)
    return bool(user is not None and user.is_active and user.is_staff)


def _member_id(user: RequestUser) -> int | None:
    member = member_or_none(user)
    return member.pk if member is not None else None


def campaigns_visible_to(user: RequestUser) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.select_related("owner", "commune")
    if can_read_everything(user):
        return campaigns.all()
    public = Q(status__in=PUBLIC_STATUSES) & ~Q(status=S.CANCELLED, escrow_account__isnull=True)
    member_id = _member_id(user)
    if member_id is None:
        return campaigns.filter(public)
    return campaigns.filter(public | Q(owner_id=member_id))


def campaign_get_visible(*, user: RequestUser, campaign_id: int) -> Campaign:
    """The campaign if the user may see it; CampaignNotFound otherwise (even if it exists)."""
    campaign = campaigns_visible_to(user).filter(pk=campaign_id).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def campaign_get_owned(*, user: RequestUser, campaign_id: int) -> Campaign:
    """The campaign if the user owns it (moderators too); CampaignNotFound otherwise."""
    campaign = campaign_get_visible(user=user, campaign_id=campaign_id)
    if campaign.owner_id != _member_id(user) and not (user.is_authenticated and user.is_staff):
        raise CampaignNotFound()
    return campaign


def campaign_list(
    *,
    user: RequestUser,
    status: str = "",
    commune_id: int | None = None,
    unit: str = "",
    query: str = "",
) -> QuerySet[Campaign]:
    """Listed campaigns: live first (soonest deadline), then the upcoming, then the finished.

    `status`: "live", "upcoming", "succeeded" (succeeded or paid out), "failed", or "" for all listed.
    """
    campaigns = campaigns_visible_to(user)
    by_status = {
        "live": [S.LIVE],
        "upcoming": [S.APPROVED],
        "succeeded": [S.SUCCEEDED, S.PAID_OUT],
        "failed": [S.FAILED],
    }
    campaigns = campaigns.filter(status__in=by_status.get(status, LISTED_STATUSES))
    if commune_id is not None:
        campaigns = campaigns.filter(commune_id=commune_id)
    if unit:
        campaigns = campaigns.filter(unit=unit)
    if query:
        campaigns = campaigns.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    # Live first, then upcoming, then the finished (sorting the status names would put them first).
    rank = Case(
        When(status=S.LIVE, then=Value(0)),
        When(status=S.APPROVED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return campaigns.annotate(listing_rank=rank).order_by("listing_rank", "deadline", "id")


def campaigns_of_owner(*, user: RequestUser) -> QuerySet[Campaign]:
    member_id = _member_id(user)
    if member_id is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(owner_id=member_id).order_by("-created_at", "-id")


def moderation_queue() -> QuerySet[Campaign]:
    """Submitted campaigns, oldest first, then the ones waiting for a payout that was refused."""
    return (
        Campaign.objects.select_related("owner")
        .filter(Q(status=S.SUBMITTED) | (Q(status=S.SUCCEEDED) & ~Q(payout_error="")))
        .order_by("updated_at", "id")
    )


@dataclass(frozen=True)
class Progress:
    pledged: int  # running pledges + matches while live; what was raised once decided (minor units)
    matched: int
    backers: int
    percent: int  # of the goal, may exceed 100
    bar_percent: int  # capped at 100 for the bar
    stretch_percent: int | None
    days_left: int | None  # None once the deadline has passed
    pledges_total: int  # pledges of the campaign to settle, for the closing progress
    pledges_settled: int


def campaign_progress(campaign: Campaign, now: datetime.datetime | None = None) -> Progress:
    return campaigns_progress([campaign], now)[campaign.pk]


def campaigns_progress(campaigns: Iterable[Campaign], now: datetime.datetime | None = None) -> dict[int, Progress]:
    """Each campaign's progress by id, read in one query whatever their number (a list's cards)."""
    now = now or timezone.now()
    campaigns = list(campaigns)
    active = Q(status=Pledge.Status.ACTIVE)
    # Once decided, the pledges counted are those settled: every one but the withdrawn, which never count.
    rows = {
        row["campaign_id"]: row
        for row in Pledge.objects.filter(campaign_id__in=[campaign.pk for campaign in campaigns])
        .exclude(status=Pledge.Status.WITHDRAWN)
        .values("campaign_id")
        .annotate(
            live_pledged=Sum("amount", filter=active),
            live_matched=Sum("match_amount", filter=active),
            live_backers=Count("backer", distinct=True, filter=active),
            settled_pledged=Sum("amount"),
            settled_matched=Sum("match_amount"),
            settled_backers=Count("backer", distinct=True),
            total=Count("id"),
            active=Count("id", filter=active),
        )
        .order_by()
    }
    progress = {}
    for campaign in campaigns:
        row = rows.get(campaign.pk, {})
        counted = "settled" if campaign.is_decided else "live"
        matched = int(row.get(f"{counted}_matched") or 0)
        pledged = campaign.raised_total if campaign.is_decided else int(row.get(f"{counted}_pledged") or 0) + matched
        percent = int(pledged * 100 // campaign.goal) if campaign.goal else 0
        total = int(row.get("total") or 0)
        progress[campaign.pk] = Progress(
            pledged=pledged,
            matched=matched,
            backers=int(row.get(f"{counted}_backers") or 0),
            percent=percent,
            bar_percent=min(100, percent),
            stretch_percent=int(pledged * 100 // campaign.stretch_goal) if campaign.stretch_goal else None,
            days_left=(campaign.deadline - now).days if campaign.deadline > now else None,
            pledges_total=total,
            pledges_settled=total - int(row.get("active") or 0),
        )
    return progress


def campaign_public_backers(campaign: Campaign) -> QuerySet[Pledge]:
    """Running and collected pledges, newest first, for the public page (names through
    `BackerReader.public_name`). Only what that page shows is read: a backer's name, not their
    address, phone or bank details (reading every column of a hundred backers took twice as long)."""
    return (
        Pledge.objects.select_related("backer", "tier")
        .only("campaign_id", "anonymous", "created_at", "backer__display_name", "tier__title")
        .filter(campaign=campaign, status__in=[Pledge.Status.ACTIVE, Pledge.Status.CAPTURED])
        .order_by("-created_at", "-id")
    )


def campaign_backers_for_owner(campaign: Campaign) -> QuerySet[Pledge]:
    """Every pledge, for delivering rewards (owner and moderators only); what of each backer the
    reader sees is `BackerReader.seen`."""
    return (
        Pledge.objects.select_related("campaign", "backer", "backer__user", "backer__commune", "tier")
        .filter(campaign=campaign)
        # Pledges with a reward first, by reward, on every backend (NULLs sort first on SQLite only).
        .order_by("status", F("tier__position").asc(nulls_last=True), "tier_id", "id")
    )


# What the owner's lists (the dashboard, backers.csv) show of a pledge and its backer: not the
# campaign's story nor the backer's address or phone, read again on each of a hundred rows.
OWNER_LIST_FIELDS = (
    "campaign_id",
    "backer_id",
    "tier_id",
    "unit",
    "amount",
    "anonymous",
    "status",
    "reward_delivered_at",
    "created_at",
    "campaign__owner_id",
    "backer__display_name",
    "backer__user__email",
    "backer__commune__name",
    "tier__title",
)


def campaign_backers_listed(campaign: Campaign) -> QuerySet[Pledge]:
    """`campaign_backers_for_owner` reading only OWNER_LIST_FIELDS: for lists, not for writing."""
    return campaign_backers_for_owner(campaign).only(*OWNER_LIST_FIELDS)


@dataclass(frozen=True)
class BackerSeen:
    """What one reader may see of a pledge's backer; None where it is not for them (the name
    shows as « Anonyme »)."""

    member_id: int | None
    name: str | None
    email: str | None
    commune: str | None


@dataclass(frozen=True)
class BackerReader:
    """Who reads a list of pledges, and so what of each backer they see.

    A pledge is anonymous unless its backer chose to be named (the default since issue 19: no
    consent, no name). Everyone sees the amounts and rewards; the names follow these rules:

    - the public page, and anyone who is not the backer, the owner, staff or an auditor: a named
      backer's name; an anonymous one is « Anonyme »;
    - the backer: their own pledge in full;
    - the campaign's owner (dashboard, backers.csv, the pledges API): a named backer's name, commune
      and e-mail (the pledge form says so, to deliver the rewards); an anonymous backer's name and
      commune only when they chose a reward (needed to deliver it, the form says so too), and never
      their e-mail;
    - staff and auditors: everything, as before (they keep the books and moderate).
    """

    member_id: int | None
    sees_everything: bool

    def public_name(self, pledge: Pledge) -> str | None:
        """The name on the campaign's public page: None (« Anonyme ») for an anonymous backer,
        except to the backer."""
        if not pledge.anonymous or (self.member_id is not None and pledge.backer_id == self.member_id):
            return pledge.backer.display_name
        return None

    def seen(self, pledge: Pledge) -> BackerSeen:
        """The backer in the owner's lists (dashboard, backers.csv, the pledges API)."""
        backer = pledge.backer
        own = self.member_id is not None and pledge.backer_id == self.member_id
        owner = self.member_id is not None and pledge.campaign.owner_id == self.member_id
        commune = backer.commune.name if backer.commune is not None else None
        if self.sees_everything or own or (owner and not pledge.anonymous):
            return BackerSeen(backer.pk, backer.display_name, backer.user.email or None, commune)
        if owner and pledge.tier_id is not None:
            return BackerSeen(backer.pk, backer.display_name, None, commune)
        if not pledge.anonymous:
            return BackerSeen(backer.pk, backer.display_name, None, None)
        return BackerSeen(None, None, None, None)


def backer_reader(user: RequestUser) -> BackerReader:
    """The reader of pledges `user` is (see BackerReader); staff and auditors see every backer."""
    return BackerReader(member_id=_member_id(user), sees_everything=is_moderator(user) or can_read_everything(user))


def pledges_visible_to(user: RequestUser) -> QuerySet[Pledge]:
    """A backer sees their pledges; an owner those to their campaigns; staff and auditors all."""
    pledges = Pledge.objects.select_related("campaign", "backer", "backer__user", "backer__commune", "tier")
    if can_read_everything(user):
        return pledges.all()
    member_id = _member_id(user)
    if member_id is None:
        return pledges.none()
    return pledges.filter(Q(backer_id=member_id) | Q(campaign__owner_id=member_id))


def pledge_get_visible(*, user: RequestUser, pledge_id: int, campaign_id: int | None = None) -> Pledge:
    pledges = pledges_visible_to(user).filter(pk=pledge_id)
    if campaign_id is not None:
        pledges = pledges.filter(campaign_id=campaign_id)
    pledge = pledges.first()
    if pledge is None:
        raise PledgeNotFound()
    return pledge


def pledges_of_backer(*, user: RequestUser) -> QuerySet[Pledge]:
    member_id = _member_id(user)
    if member_id is None:
        return Pledge.objects.none()
    return Pledge.objects.select_related("campaign", "tier").filter(backer_id=member_id).order_by("-created_at", "-id")


def active_pledge_of(*, user: RequestUser, campaign: Campaign) -> Pledge | None:
    member_id = _member_id(user)
    if member_id is None:
        return None
    pledge = (
        Pledge.objects.select_related("tier")
        .filter(campaign=campaign, backer_id=member_id, status=Pledge.Status.ACTIVE)
        .first()
    )
    if pledge is not None:
        pledge.campaign = campaign  # the page explains it by its campaign: not read a second time
    return pledge


def active_pool(campaign: Campaign) -> MatchingPool | None:
    return MatchingPool.objects.select_related("sponsor").filter(campaign=campaign, status="active").first()
