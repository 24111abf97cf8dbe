from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import ApiToken, Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "kind", "user", "created_at"]
    list_filter = ["kind"]
    search_fields = ["display_name", "user__username"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # members are created through the API (members.services.member_create)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: a token is issued by logging in through the API; staff may only revoke one."""

    list_display = ["id", "user", "device", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "device"]
    fields = readonly_fields = ("user", "device", "created_at", "last_used_at", "expires_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = [services.api_token_revoke(token=token, actor=request.user) for token in queryset]
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": len(revoked)})
