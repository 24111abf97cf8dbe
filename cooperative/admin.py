"""The register is read-only in the admin: every change goes through the services (and the pages),
so the ledger's capital account and the register always agree."""

from __future__ import annotations

from django.contrib import admin

from core.admin_helpers import ReadOnlyAdmin, ReadOnlyInline

from .models import College, Cooperative, RedemptionRequest, ShareClass, Shareholder, ShareMovement, SubscriptionRequest


class ShareClassInline(ReadOnlyInline):
    model = ShareClass
    fields = ["code", "name", "nominal_value"]


class CollegeInline(ReadOnlyInline):
    model = College
    fields = ["name", "weight"]


# Cooperative: read-only (statutes, with share classes and colleges); set up by the cooperative setup service.
@admin.register(Cooperative)
class CooperativeAdmin(ReadOnlyAdmin):
    list_display = ["name", "legal_form", "siren", "min_shares_per_member", "max_shares_per_member", "lockup_months"]
    inlines = [ShareClassInline, CollegeInline]


# Shareholder: read-only; admissions and exits are register services.
@admin.register(Shareholder)
class ShareholderAdmin(ReadOnlyAdmin):
    list_display = ["id", "cooperative", "display_name", "college", "status", "admitted_on"]
    list_filter = ["cooperative", "college", "status"]


# ShareMovement: read-only; the register's movements are written by its services only.
@admin.register(ShareMovement)
class ShareMovementAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "number", "kind", "effective_on", "share_class", "quantity", "capital_delta"]
    list_filter = ["cooperative", "kind"]


# SubscriptionRequest: read-only; decided on the board pages through the services.
@admin.register(SubscriptionRequest)
class SubscriptionRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "cooperative", "member", "share_class", "quantity", "status", "requested_at"]
    list_filter = ["cooperative", "status"]


# RedemptionRequest: read-only; decided on the board pages through the services.
@admin.register(RedemptionRequest)
class RedemptionRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "cooperative", "shareholder", "share_class", "quantity", "status", "due_on"]
    list_filter = ["cooperative", "status"]
