"""The register is read-only in the admin: every change goes through the services (and the pages),
so the ledger's capital account and the register always agree."""

from __future__ import annotations

from django.contrib import admin

from ledger.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import College, Cooperative, RedemptionRequest, ShareClass, Shareholder, ShareMovement, SubscriptionRequest


class ShareClassInline(ReadOnlyInline):
    model = ShareClass
    fields = ["code", "name", "nominal_value"]


class CollegeInline(ReadOnlyInline):
    model = College
    fields = ["name", "weight"]


@admin.register(Cooperative)
class CooperativeAdmin(ReadOnlyAdmin):
    list_display = ["name", "legal_form", "siren", "min_shares_per_member", "max_shares_per_member", "lockup_months"]
    inlines = [ShareClassInline, CollegeInline]


@admin.register(Shareholder)
class ShareholderAdmin(ReadOnlyAdmin):
    list_display = ["id", "cooperative", "display_name", "college", "status", "admitted_on"]
    list_filter = ["cooperative", "college", "status"]


@admin.register(ShareMovement)
class ShareMovementAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "number", "kind", "effective_on", "share_class", "quantity", "capital_delta"]
    list_filter = ["cooperative", "kind"]


@admin.register(SubscriptionRequest)
class SubscriptionRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "cooperative", "member", "share_class", "quantity", "status", "requested_at"]
    list_filter = ["cooperative", "status"]


@admin.register(RedemptionRequest)
class RedemptionRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "cooperative", "shareholder", "share_class", "quantity", "status", "due_on"]
    list_filter = ["cooperative", "status"]
