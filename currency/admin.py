"""Operators edit the comptoirs (name, address, staff; every save audited); conversions, reconversions and SEPA
files are read-only (every change to them goes through a service, which posts to the ledger: reconversions are
approved or rejected by actions calling those services)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import AuditedAdmin, ReadOnlyAdmin, run_service_action
from ledger.units import get_unit

from .models import Comptoir, Conversion, Reconversion, SepaExport
from .services.reconversions import reconversion_approve, reconversion_reject


# Comptoir: editable (no service owns it; model validation), every save audited (comptoir_change, staff included).
@admin.register(Comptoir)
class ComptoirAdmin(AuditedAdmin):
    list_display = ["name", "commune", "active"]
    list_filter = ["active", "commune"]
    search_fields = ["name", "address"]
    filter_horizontal = ["staff"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # conversions point at it: close it (active) instead


# Conversion: read-only; conversions are posted by conversion services at the comptoir.
@admin.register(Conversion)
class ConversionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "comptoir", "member", "shown_amount", "payment_method", "actor"]
    list_filter = ["comptoir", "payment_method"]
    search_fields = ["member__display_name", "member__user__username"]
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"))
    def shown_amount(self, conversion: Conversion) -> str:
        return get_unit("EUR").format(conversion.amount)


class RejectionActionForm(ActionForm):
    reason = forms.CharField(label=_("Reason (the member sees it)"), max_length=255, required=False)


# Reconversion: read-only; approve and reject are actions calling reconversion_approve / reconversion_reject.
@admin.register(Reconversion)
class ReconversionAdmin(ReadOnlyAdmin):
    list_display = ["id", "requested_at", "member", "shown_amount", "shown_fee", "status", "export"]
    list_filter = ["status"]
    search_fields = ["member__display_name", "iban"]
    action_form = RejectionActionForm
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve the selected reconversions"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Reconversion]) -> None:
        run_service_action(
            self,
            request,
            queryset.order_by("pk"),
            lambda reconversion: reconversion_approve(reconversion=reconversion, actor=request.user),
            _("%(count)d reconversion(s) approved."),
        )

    @admin.action(description=_("Reject the selected reconversions (give the reason)"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Reconversion]) -> None:
        reason = request.POST.get("reason", "")
        run_service_action(
            self,
            request,
            queryset.order_by("pk"),
            lambda reconversion: reconversion_reject(reconversion=reconversion, actor=request.user, reason=reason),
            _("%(count)d reconversion(s) rejected."),
        )

    @admin.display(description=_("amount"))
    def shown_amount(self, reconversion: Reconversion) -> str:
        return get_unit(settings.BOCAGE_LOCAL_UNIT).format(reconversion.amount)

    @admin.display(description=_("fee"))
    def shown_fee(self, reconversion: Reconversion) -> str:
        return get_unit("EUR").format(reconversion.fee)


# SepaExport: read-only; files are made by sepa_export_create (the reconversion page).
@admin.register(SepaExport)
class SepaExportAdmin(ReadOnlyAdmin):
    list_display = ["message_id", "created_at", "created_by", "count", "shown_total"]

    @admin.display(description=_("total"))
    def shown_total(self, export: SepaExport) -> str:
        return get_unit("EUR").format(export.total)
