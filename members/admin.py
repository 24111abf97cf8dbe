from django.contrib import admin

from .models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "kind", "user", "created_at"]
    list_filter = ["kind"]
    search_fields = ["display_name", "user__username"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # members are created through the API (members.services.member_create)
