"""timebank's part of a member's personal data export: the services they gave and received."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section

from .models import ServiceRecord

SECTIONS = (
    Section(
        "timebank/services",
        _("Time-bank services given and received"),
        ServiceRecord,
        lambda member: ServiceRecord.objects.filter(Q(provider=member) | Q(receiver=member)).order_by("pk"),
        computed=amounts_in("amount"),
    ),
)
