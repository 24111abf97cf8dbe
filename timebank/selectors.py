"""Reads of the time bank: service records, and the soft warning near a limit."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.typing import RequestUser
from ledger.models import Account
from ledger.selectors import can_read_everything
from ledger.units import get_unit
from timebank.models import ServiceRecord


def service_records_of(user: RequestUser) -> QuerySet[ServiceRecord]:
    """Records the user gave or received (staff and auditors: all)."""
    records = ServiceRecord.objects.select_related("provider__user", "receiver__user").order_by("-id")
    if can_read_everything(user):
        return records
    if user.pk is None:
        return records.none()
    return records.filter(Q(provider__user_id=user.pk) | Q(receiver__user_id=user.pk))


def service_record_get_visible(*, user: RequestUser, record_id: int) -> ServiceRecord:
    record = service_records_of(user).filter(pk=record_id).first()
    if record is None:
        raise NotFound()
    return record


def service_records_to_confirm(user: RequestUser) -> QuerySet[ServiceRecord]:
    """Pending records where the user received the service (they confirm and pay)."""
    if user.pk is None:
        return ServiceRecord.objects.none()
    return service_records_of(user).filter(receiver__user_id=user.pk, status=ServiceRecord.Status.PENDING)


def service_records_asked(user: RequestUser) -> QuerySet[ServiceRecord]:
    """Records the user gave and asked hours for, newest first."""
    if user.pk is None:
        return ServiceRecord.objects.none()
    return service_records_of(user).filter(provider__user_id=user.pk)


def timebank_warning(account: Account) -> str | None:
    """A friendly warning when the account is within its unit's warning margin of a limit.

    Members keep asking "how many hours can I still give or receive?": this answers before the
    ledger refuses. None when the unit has no margin or the account is comfortably inside.
    """
    unit = get_unit(account.unit)
    margin = unit.warning_margin
    if margin is None:
        return None
    messages = []
    available = account.available
    if available is not None and available <= margin:
        if available <= 0:
            messages.append(
                _("You have reached your credit limit of %(limit)s: receive a service before asking for another.")
                % {"limit": unit.format(account.min_balance)}
            )
        else:
            messages.append(
                _("Only %(available)s left before your credit limit of %(limit)s.")
                % {"available": unit.format(available), "limit": unit.format(account.min_balance)}
            )
    if account.max_balance is not None and account.max_balance - account.balance <= margin:
        room = account.max_balance - account.balance
        if room <= 0:
            messages.append(
                _("You have reached the upper limit of %(limit)s: use some of your hours before giving more.")
                % {"limit": unit.format(account.max_balance)}
            )
        else:
            messages.append(
                _("Only %(room)s left before the upper limit of %(limit)s: use some of your hours soon.")
                % {"room": unit.format(room), "limit": unit.format(account.max_balance)}
            )
    return " ".join(messages) or None
