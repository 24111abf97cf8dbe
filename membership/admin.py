"""Members in the admin: the profile is edited through member_update (identity numbers validated
like everywhere else) and every save is audited; kind, status and membership dates change only
through services (closing is an action calling membership's member_close)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import AuditedAdmin, add_service_errors, run_service_action
from core.errors import InvalidInput
from members.identity import IDENTITY_CLEANERS
from members.models import Member
from members.services import identity_clean, member_update

from .services import member_close

PROFILE_FIELDS = ["display_name", "commune", "address", "phone", "activity", "description", "website", "in_directory"]


class MemberAdminForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [*PROFILE_FIELDS, *IDENTITY_CLEANERS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        changed = [field for field in IDENTITY_CLEANERS if field in self.changed_data and field in cleaned]
        if {"siren", "siret"} & set(changed):  # the SIRET must begin with the SIREN: check them together
            changed = sorted({*changed, "siren", "siret"} & set(cleaned))
        try:
            numbers = identity_clean(kind=self.instance.kind, numbers={field: cleaned[field] for field in changed})
        except InvalidInput as exc:
            add_service_errors(self, exc)
            return cleaned
        cleaned.update(numbers)
        return cleaned


# Member: editable through member_update's rules (MemberAdminForm), audited (member_change); close is an action.
@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    form = MemberAdminForm
    list_display = ["id", "display_name", "kind", "status", "user", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["display_name", "user__username"]
    readonly_fields = ["user", "kind", "status", "membership_expires_on", "created_at", "closed_at", "leaving"]
    fields = [*readonly_fields, *PROFILE_FIELDS, *IDENTITY_CLEANERS]
    actions = ["close"]

    @admin.display(description=_("Leaving"))
    def leaving(self, obj: Member) -> str:
        """The staff's leaving page: what keeps the member from leaving, the write-off of hours."""
        url = reverse("membership-member-leaving", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("What keeps this member from leaving"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # members join through the API (membership.services.member_join)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the ledger keeps their history: close them instead

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        member_update(
            member=obj, actor=request.user, **{field: form.cleaned_data[field] for field in form.changed_data}
        )

    @admin.action(description=_("Close the selected members (zero balances, no open hold)"))
    def close(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        run_service_action(
            self,
            request,
            queryset.exclude(status=Member.Status.CLOSED),
            lambda member: member_close(member=member, actor=request.user),
            _("%(count)d member(s) closed."),
        )
