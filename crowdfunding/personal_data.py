"""crowdfunding's part of a member's personal data export: campaigns they own (and their images),
their pledges, the news they posted, the news delivered to them, the matchfunding pools they sponsor.

On leaving (members.erasure): their pledges are kept (the amounts are the books) and made anonymous.
The texts of the campaigns they own and the news they posted are the project's and stay (the
leaving flow refuses a member with a running campaign); images, tiers and pools hold nothing of
theirs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import Campaign, CampaignImage, CampaignUpdate, MatchingPool, Pledge, UpdateDelivery


def _pledges_erase(member: Any) -> int:
    return Pledge.objects.filter(backer=member, anonymous=False).update(anonymous=True)


SECTIONS = (
    Section(
        "crowdfunding/campaigns",
        _("Campaigns you own"),
        Campaign,
        lambda member: Campaign.objects.filter(owner=member).order_by("pk"),
        computed=amounts_in("goal", "stretch_goal", "raised_total", "fee_amount", "payout_amount"),
        keeps="a campaign's texts are the project's content (leaving is refused while one runs)",
    ),
    Section(
        "crowdfunding/campaign_images",
        _("Images of your campaigns (file names)"),
        CampaignImage,
        lambda member: CampaignImage.objects.filter(campaign__owner=member).order_by("pk"),
        keeps="a campaign's images are the project's content",
    ),
    Section(
        "crowdfunding/pledges",
        _("Your pledges"),
        Pledge,
        lambda member: Pledge.objects.filter(backer=member).order_by("pk"),
        computed=amounts_in("amount", "match_amount"),
        erase=_pledges_erase,
    ),
    Section(
        "crowdfunding/updates",
        _("News you posted on campaigns"),
        CampaignUpdate,
        lambda member: CampaignUpdate.objects.filter(author_id=member.user_id).order_by("pk"),
        keeps="a campaign's news is the project's content",
    ),
    Section(
        "crowdfunding/update_deliveries",
        _("Campaign news sent to you"),
        UpdateDelivery,
        lambda member: UpdateDelivery.objects.filter(member=member).order_by("pk"),
        keeps="which news reached whom, and when: no text",
    ),
    Section(
        "crowdfunding/matching_pools",
        _("Matchfunding pools you sponsor"),
        MatchingPool,
        lambda member: MatchingPool.objects.filter(sponsor=member).select_related("campaign").order_by("pk"),
        computed=amounts_in("per_backer_cap", "total_cap", "matched_total", unit_of=lambda pool: pool.campaign.unit),
        keeps="amounts and caps only: the books",
    ),
)
