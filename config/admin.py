"""Staff read the outbox here: what was mailed, what waits, what failed and why."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    # Read-only: a mail is written by the service that sends it and moved only by its delivery task.
    list_display = ["created_at", "subject", "recipients", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject"]
    readonly_fields = [field.name for field in OutboundEmail._meta.fields]

    @admin.display(description=OutboundEmail._meta.get_field("to").verbose_name)
    def recipients(self, message: OutboundEmail) -> str:
        return ", ".join(message.to)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
