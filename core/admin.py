"""The ground floor's admin: staff read the outbox here (what was mailed, what waits, what failed
and why). The audit log has its own pages (ledger/views/log.py); the heartbeat and idempotency
records are not shown."""

from __future__ import annotations

from django.contrib import admin

from .admin_helpers import ReadOnlyAdmin
from .models import OutboundEmail


# core.OutboundEmail: read-only (a mail is written by the service that sends it and moved only by its delivery task).
# Never its body: a password-reset mail carries a link that logs in as its recipient.
@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "recipients", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject"]
    exclude = ["body"]

    @admin.display(description=OutboundEmail._meta.get_field("to").verbose_name)
    def recipients(self, message: OutboundEmail) -> str:
        return ", ".join(message.to)
