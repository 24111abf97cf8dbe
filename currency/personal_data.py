"""currency's part of a member's personal data export: euros changed into the local currency at an
exchange office, reconversions, payment requests made or paid, the exchange offices they staff.

On leaving (members.erasure): a reconversion paid out (approved or exported) is an accounting record
(the payee's name and IBAN, kept BOCAGE_RETENTION_ACCOUNTING_YEARS from the payout): it is copied to
a RetainedRecord, then its IBAN and BIC are erased, and so are the payee's name and IBAN in the SEPA
file that paid it. An approved reconversion not yet in a SEPA file keeps its IBAN (the transfer is
still to be made; the leaving flow settles before). The memos of their payment requests are
erased; they leave the exchange offices they staffed."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.personal_data import amounts_in
from members import erasure
from members.models import RetainedRecord
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


def _sepa_payee_erase(export: SepaExport, reconversion: Reconversion) -> bool:
    """The payee's name and IBAN erased from the transfer of `reconversion` in a SEPA file."""
    block = re.compile(
        r"(<CdtTrfTxInf>(?:(?!</CdtTrfTxInf>).)*?BOCAGE-RECONV-" + str(reconversion.pk) + r"<.*?</CdtTrfTxInf>)", re.S
    )
    redacted = erasure.site_text(erasure.REDACTED)

    def scrub(match: re.Match[str]) -> str:
        text = re.sub(r"(<Cdtr>\s*<Nm>)[^<]*(</Nm>)", lambda m: m.group(1) + redacted + m.group(2), match.group(1))
        return re.sub(
            r"(<CdtrAcct>.*?<IBAN>)[^<]*(</IBAN>)", lambda m: m.group(1) + redacted + m.group(2), text, flags=re.S
        )

    xml = block.sub(scrub, export.xml)
    if xml == export.xml:
        return False
    SepaExport.objects.filter(pk=export.pk).update(xml=xml)
    export.xml = xml
    return True


def _reconversions_erase(member: Any) -> int:
    person = erasure.current_identity(member)
    paid = {Reconversion.Status.APPROVED, Reconversion.Status.EXPORTED}
    erased = 0
    for reconversion in (
        Reconversion.objects.filter(member=member).select_related("export", "transaction").order_by("pk")
    ):
        if reconversion.status in paid:
            paid_on = timezone.localdate(reconversion.decided_at or reconversion.requested_at)
            erasure.retain(
                member=member,
                purpose=RetainedRecord.Purpose.PAYOUT,
                legal_basis="accounting_record",
                reference=f"currency.reconversion:{reconversion.pk}",
                data={
                    "name": person["name"],
                    "siren": person["siren"],
                    "iban": reconversion.iban,
                    "bic": reconversion.bic,
                    "amount": {"minor": reconversion.amount, "unit": "EUR"},
                    "fee": {"minor": reconversion.fee, "unit": "EUR"},
                    "paid_on": paid_on,
                    "transaction": reconversion.transaction_id,
                    "sepa_message_id": reconversion.export.message_id if reconversion.export else "",
                },
                keep_until=erasure.years_after(paid_on, settings.BOCAGE_RETENTION_ACCOUNTING_YEARS),
            )
            if reconversion.export is not None and _sepa_payee_erase(reconversion.export, reconversion):
                erased += 1
        if reconversion.status == Reconversion.Status.APPROVED and reconversion.export is None:
            continue  # still to be paid: the transfer needs the IBAN
        if reconversion.iban or reconversion.bic or reconversion.rejection_reason:
            erased += Reconversion.objects.filter(pk=reconversion.pk).update(iban="", bic="", rejection_reason="")
    return erased


def _payment_requests_erase(member: Any) -> int:
    erased = erasure.site_text(erasure.MEMO_ERASED)
    rows = PaymentRequest.objects.filter(Q(payee_account__holder=member) | Q(created_by_id=member.user_id))
    rows = rows.exclude(memo="").exclude(memo=erased)
    return PaymentRequest.objects.filter(pk__in=rows.values("pk")).update(memo=erased)


def _comptoirs_erase(member: Any) -> int:
    comptoirs = list(Comptoir.objects.filter(staff__pk=member.user_id))
    for comptoir in comptoirs:
        comptoir.staff.remove(member.user_id)
    return len(comptoirs)


SECTIONS = (
    Section(
        "currency/comptoirs",
        _("Exchange offices where you serve"),
        Comptoir,
        lambda member: Comptoir.objects.filter(staff__pk=member.user_id).order_by("pk"),
        erase=_comptoirs_erase,
    ),
    Section(
        "currency/conversions",
        _("Euros changed at an exchange office"),
        Conversion,
        lambda member: Conversion.objects.filter(member=member).order_by("pk"),
        computed=amounts_in("amount", unit="EUR"),
        keeps="euros changed at an office: the books (amount, method, office), no text",
    ),
    Section(
        "currency/reconversions",
        _("Reconversions into euros"),
        Reconversion,
        lambda member: Reconversion.objects.filter(member=member).order_by("pk"),
        computed=amounts_in("amount", "fee", unit="EUR"),
        erase=_reconversions_erase,
    ),
    Section(
        "currency/payment_requests",
        _("Payment requests made or paid"),
        PaymentRequest,
        _payment_requests,
        computed=amounts_in("amount", unit_of=lambda request: request.payee_account.unit),
        erase=_payment_requests_erase,
    ),
)


def exemptions() -> None:
    exempt(
        SepaExport,
        "a batch of transfers made by the staff; each reconversion in it is exported (currency/reconversions)",
    )
