"""Campaigns, tiers, pledges and pools are read-only in the admin: every change goes through the
services (moderation has its own page, `campaigns/moderation/`), so the ledger and the rows agree."""

from __future__ import annotations

from django.contrib import admin

from core.admin_helpers import ReadOnlyAdmin, ReadOnlyInline

from .models import Campaign, CampaignUpdate, MatchingPool, Pledge, RewardTier


class TierInline(ReadOnlyInline):
    model = RewardTier
    fields = ["title", "minimum", "stock", "claimed", "estimated_delivery"]


# Campaign: read-only; moderation, publication, closing and payout are services (moderation page).
@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "owner", "unit", "goal", "status", "deadline", "raised_total"]
    list_filter = ["status", "unit", "funding_model", "commune"]
    search_fields = ["title", "owner__display_name"]
    inlines = [TierInline]


# Pledge: read-only; pledges are held, captured and released by services.
@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "backer", "amount", "unit", "match_amount", "status", "settle_error"]
    list_filter = ["status", "unit"]
    search_fields = ["backer__display_name", "campaign__title"]


# MatchingPool: read-only; pools are created and drawn by services.
@admin.register(MatchingPool)
class MatchingPoolAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "sponsor", "ratio", "per_backer_cap", "total_cap", "matched_total", "status"]


# CampaignUpdate: read-only; updates are posted by campaign owners through the service.
@admin.register(CampaignUpdate)
class CampaignUpdateAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "title", "created_at"]
