"""Members' admin: communes and API tokens. The Member admin itself is membership/admin.py's, since
its closing action reaches the ledger."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import AuditedAdmin, ReadOnlyAdmin, run_service_action

from .models import ApiToken, Commune, RetainedRecord
from .services import api_token_revoke


# Commune: editable (no service owns it; the model's validators check the postal and INSEE codes),
# every save audited; a commune something refers to cannot be deleted (PROTECT). A territory's first
# list comes from `manage.py setup_territory` (docs/FIRST_SETUP.md).
@admin.register(Commune)
class CommuneAdmin(AuditedAdmin):
    list_display = ["name", "postal_code", "insee_code"]
    search_fields = ["name", "postal_code", "insee_code"]
    ordering = ["name"]


# ApiToken: read-only (a token is issued by logging in through the API); staff may only revoke one, through
# api_token_revoke (audited).
@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "device", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "device"]
    fields = readonly_fields = ("user", "device", "created_at", "last_used_at", "expires_at", "revoked_at")
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        run_service_action(
            self,
            request,
            queryset.filter(revoked_at__isnull=True),
            lambda token: api_token_revoke(token=token, actor=request.user),
            _("%(count)d token(s) revoked."),
        )


# RetainedRecord: what the law requires to keep of members who left (members.erasure); read-only, and
# for auditors only (holders of ledger.audit_ledger): not even other staff see it.
@admin.register(RetainedRecord)
class RetainedRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "member_id", "purpose", "legal_basis", "keep_until", "created_at"]
    list_filter = ["purpose"]
    fields = readonly_fields = ("member_id", "purpose", "legal_basis", "reference", "data", "keep_until", "created_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("ledger.audit_ledger")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("ledger.audit_ledger")
