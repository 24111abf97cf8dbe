"""Campaigns, tiers, pledges and pools are read-only in the admin: every change goes through the
services (moderation has its own page, `campaigns/moderation/`), so the ledger and the rows agree."""

from __future__ import annotations

from django.contrib import admin

from ledger.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Campaign, CampaignUpdate, MatchingPool, Pledge, RewardTier


class TierInline(ReadOnlyInline):
    model = RewardTier
    fields = ["title", "minimum", "stock", "claimed", "estimated_delivery"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "owner", "unit", "goal", "status", "deadline", "raised_total"]
    list_filter = ["status", "unit", "funding_model", "commune"]
    search_fields = ["title", "owner__display_name"]
    inlines = [TierInline]


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "backer", "amount", "unit", "match_amount", "status", "settle_error"]
    list_filter = ["status", "unit"]
    search_fields = ["backer__display_name", "campaign__title"]


@admin.register(MatchingPool)
class MatchingPoolAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "sponsor", "ratio", "per_backer_cap", "total_cap", "matched_total", "status"]


@admin.register(CampaignUpdate)
class CampaignUpdateAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "title", "created_at"]
