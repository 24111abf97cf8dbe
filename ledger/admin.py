"""Operators read the ledger here; every change goes through a service (admin actions)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_helpers import ReadOnlyAdmin
from core.errors import ApplicationError

from . import services
from .models import Account, Entry, Hold, Transaction
from .units import get_unit


# Account: read-only; freeze/unfreeze are actions calling account_status_set (validated, audited).
@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "label", "unit", "kind", "shown_balance", "shown_held", "status"]
    list_filter = ["unit", "kind", "status", "system_code"]
    search_fields = ["holder__display_name", "holder__user__username", "name"]
    actions = ["freeze", "unfreeze"]

    @admin.display(description=_("balance"))
    def shown_balance(self, account: Account) -> str:
        return get_unit(account.unit).format(account.balance)

    @admin.display(description=_("held"))
    def shown_held(self, account: Account) -> str:
        return get_unit(account.unit).format(account.held)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Account], status: str) -> None:
        for account in queryset:
            try:
                services.account_status_set(account=account, status=status, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{account}: {exc.message}", messages.ERROR)

    @admin.action(description=_("Freeze the selected accounts"))
    def freeze(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        self._set_status(request, queryset, Account.Status.FROZEN)

    @admin.action(description=_("Unfreeze the selected accounts"))
    def unfreeze(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        self._set_status(request, queryset, Account.Status.OPEN)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The list's actions need it; the change form shows every field read-only.
        return obj is None and bool(request.user.is_staff)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in Account._meta.fields]


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "unit", "amount", "balance_after")
    readonly_fields = ("account", "unit", "amount", "balance_after")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# Transaction: read-only (with its entries); postings and reversals are services.
@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "memo", "actor", "created_at", "reverses"]
    list_filter = ["kind"]
    search_fields = ["memo", "idempotency_key"]
    inlines = [EntryInline]


# Hold: read-only; holds are created, captured, voided and expired by services.
@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "debit_account", "credit_account", "unit", "amount", "status", "expires_at"]
    list_filter = ["status", "unit"]
