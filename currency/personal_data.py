"""currency's part of a member's personal data export: euros changed into the local currency at an
exchange office, reconversions, payment requests made or paid, the exchange offices they staff."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members.personal_data import Section, exempt

from .models import Comptoir, Conversion, PaymentRequest, Reconversion, SepaExport


def _payment_requests(member: Any) -> Any:
    return (
        PaymentRequest.objects.filter(
            Q(payee_account__holder=member) | Q(paid_by=member) | Q(created_by_id=member.user_id)
        )
        .select_related("payee_account")
        .order_by("pk")
    )


SECTIONS = (
    Section(
        "currency/comptoirs",
        _("Exchange offices where you serve"),
        Comptoir,
        lambda member: Comptoir.objects.filter(staff__pk=member.user_id).order_by("pk"),
    ),
    Section(
        "currency/conversions",
        _("Euros changed at an exchange office"),
        Conversion,
        lambda member: Conversion.objects.filter(member=member).order_by("pk"),
        computed=amounts_in("amount", unit="EUR"),
    ),
    Section(
        "currency/reconversions",
        _("Reconversions into euros"),
        Reconversion,
        lambda member: Reconversion.objects.filter(member=member).order_by("pk"),
        computed=amounts_in("amount", "fee", unit="EUR"),
    ),
    Section(
        "currency/payment_requests",
        _("Payment requests made or paid"),
        PaymentRequest,
        _payment_requests,
        computed=amounts_in("amount", unit_of=lambda request: request.payee_account.unit),
    ),
)


def exemptions() -> None:
    exempt(
        SepaExport,
        "a batch of transfers made by the staff; each reconversion in it is exported (currency/reconversions)",
    )
