"""timebank's part of a member's personal data export: the services they gave and received. On
leaving (members.erasure), the descriptions of those services are erased (the hours stay: they are
the books)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members import erasure
from members.personal_data import Section

from .models import ServiceRecord


def _services_erase(member: Any) -> int:
    # The provider typed it; the receiver's name may be in it too: a service of either is erased.
    erased = erasure.site_text(erasure.REDACTED)
    return (
        ServiceRecord.objects.filter(Q(provider=member) | Q(receiver=member))
        .exclude(description=erased)
        .update(description=erased)
    )


SECTIONS = (
    Section(
        "timebank/services",
        _("Time-bank services given and received"),
        ServiceRecord,
        lambda member: ServiceRecord.objects.filter(Q(provider=member) | Q(receiver=member)).order_by("pk"),
        computed=amounts_in("amount"),
        erase=_services_erase,
    ),
)
