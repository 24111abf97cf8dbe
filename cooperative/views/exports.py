"""Exports of the register: CSV for a spreadsheet, the printable register PDF, and the certificate
PDF of a subscription (for its shareholder, and for those who read the register).

The CSV files are written by core.csv, for French spreadsheet users unless `?lang=en`: `;`
separates the columns (Excel in French splits on it), amounts have a decimal comma, and the UTF-8
BOM makes accents show right.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cooperative import selectors
from cooperative.models import Shareholder, ShareMovement
from cooperative.pdf import register_pdf, subscription_certificate_pdf
from core.csv import csv_response

from ._common import cancelled_numbers, cooperative_or_404, day_on, readable


def _decimal(cents: int) -> Decimal:
    """Euro cents as a number, which the writer puts as French spreadsheets read it: `-40,00`."""
    return Decimal(cents).scaleb(-2)


def _name(shareholder: Shareholder | None) -> str:
    return shareholder.display_name if shareholder is not None else ""


REGISTER_CSV_HEADER = (
    gettext_lazy("Number"),
    gettext_lazy("Date"),
    gettext_lazy("Movement"),
    gettext_lazy("Class"),
    gettext_lazy("Shares"),
    gettext_lazy("From"),
    gettext_lazy("To"),
    gettext_lazy("Capital change (EUR)"),
    gettext_lazy("Board decision"),
    gettext_lazy("Cancels n°"),
    gettext_lazy("Cancelled by n°"),
    gettext_lazy("Ledger transaction"),
    gettext_lazy("Note"),
)

HOLDINGS_CSV_HEADER = (
    gettext_lazy("Shareholder"),
    "SIREN",
    gettext_lazy("College"),
    gettext_lazy("Class"),
    gettext_lazy("Shares"),
    gettext_lazy("Nominal value (EUR)"),
    gettext_lazy("Value (EUR)"),
    gettext_lazy("Admitted on"),
)


@login_required
def register_csv(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    cooperative = readable(request, pk)
    cancelled = cancelled_numbers(cooperative)
    rows = (
        [
            movement.number,
            movement.effective_on,
            movement.get_kind_display(),
            movement.share_class.code,
            movement.quantity,
            _name(movement.from_shareholder),
            _name(movement.to_shareholder),
            _decimal(movement.capital_delta),
            movement.board_decision,
            movement.reverses.number if movement.reverses else "",
            cancelled.get(movement.number, ""),
            movement.ledger_transaction_id or "",
            movement.note,
        ]
        for movement in selectors.register(cooperative)
    )
    return csv_response(request, filename=f"register-{cooperative.siren}.csv", header=REGISTER_CSV_HEADER, rows=rows)


@login_required
def holdings_csv(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    cooperative = readable(request, pk)
    _form, on = day_on(request)
    day = on or timezone.localdate()
    rows = (
        [
            holding.shareholder.display_name,
            holding.shareholder.siren or (holding.shareholder.member.siren if holding.shareholder.member else ""),
            holding.shareholder.college.name,
            holding.share_class.code,
            holding.shares,
            _decimal(holding.share_class.nominal_value),
            _decimal(holding.value),
            holding.shareholder.admitted_on,
        ]
        for holding in selectors.holdings_at(cooperative, on)
    )
    return csv_response(
        request,
        filename=f"holdings-{cooperative.siren}-{day.isoformat()}.csv",
        header=HOLDINGS_CSV_HEADER,
        rows=rows,
    )


@login_required
def register_pdf_page(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    _form, on = day_on(request)
    response = HttpResponse(register_pdf(cooperative, on), content_type="application/pdf")
    day = (on or timezone.localdate()).isoformat()
    response["Content-Disposition"] = f'inline; filename="register-{cooperative.siren}-{day}.pdf"'
    return response


@login_required
def certificate_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A subscription's certificate: for the shareholder who subscribed, and the register's readers; 404 else."""
    cooperative = cooperative_or_404(pk)
    movement = (
        ShareMovement.objects.filter(cooperative=cooperative, number=number, kind=ShareMovement.Kind.SUBSCRIPTION)
        .select_related("cooperative__commune", "share_class", "to_shareholder__member", "to_shareholder__college")
        .first()
    )
    if movement is None or movement.to_shareholder is None:
        raise Http404
    owner = movement.to_shareholder.member
    if not selectors.can_read_register(request.user) and (owner is None or owner.user_id != request.user.pk):
        raise Http404
    response = HttpResponse(subscription_certificate_pdf(movement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cooperative.siren}-{movement.number}.pdf"'
    return response
