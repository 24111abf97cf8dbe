"""Operators edit the comptoirs (name, address, staff); conversions, reconversions and SEPA files are read-only
(every change to them goes through a service, which posts to the ledger)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ledger.admin import ReadOnlyAdmin
from ledger.units import get_unit

from .models import Comptoir, Conversion, Reconversion, SepaExport


@admin.register(Comptoir)
class ComptoirAdmin(admin.ModelAdmin):
    list_display = ["name", "commune", "active"]
    list_filter = ["active", "commune"]
    search_fields = ["name", "address"]
    filter_horizontal = ["staff"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # conversions point at it: close it (active) instead


@admin.register(Conversion)
class ConversionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "comptoir", "member", "shown_amount", "payment_method", "actor"]
    list_filter = ["comptoir", "payment_method"]
    search_fields = ["member__display_name", "member__user__username"]
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"))
    def shown_amount(self, conversion: Conversion) -> str:
        return get_unit("EUR").format(conversion.amount)


@admin.register(Reconversion)
class ReconversionAdmin(ReadOnlyAdmin):
    list_display = ["id", "requested_at", "member", "shown_amount", "shown_fee", "status", "export"]
    list_filter = ["status"]
    search_fields = ["member__display_name", "iban"]

    @admin.display(description=_("amount"))
    def shown_amount(self, reconversion: Reconversion) -> str:
        return get_unit(settings.BOCAGE_LOCAL_UNIT).format(reconversion.amount)

    @admin.display(description=_("fee"))
    def shown_fee(self, reconversion: Reconversion) -> str:
        return get_unit("EUR").format(reconversion.fee)


@admin.register(SepaExport)
class SepaExportAdmin(ReadOnlyAdmin):
    list_display = ["message_id", "created_at", "created_by", "count", "shown_total"]

    @admin.display(description=_("total"))
    def shown_total(self, export: SepaExport) -> str:
        return get_unit("EUR").format(export.total)
