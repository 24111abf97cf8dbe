"""Exports of the register: CSV for a spreadsheet, the printable register PDF, and the certificate
PDF of a subscription (for its shareholder, and for those who read the register).

The CSV files are written for French spreadsheet users, like the crowdfunding backers' CSV: `;`
separates the columns (Excel in French splits on it), amounts have a decimal comma, and the UTF-8
BOM makes accents show right.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperative import selectors
from cooperative.models import Shareholder, ShareMovement
from cooperative.pdf import register_pdf, subscription_certificate_pdf
from core.csv import SafeWriter

from ._common import cancelled_numbers, cooperative_or_404, day_on, readable, short


def _decimal(cents: int) -> Decimal:
    """Euro cents as a number, which the writer puts as French spreadsheets read it: `-40,00`."""
    return Decimal(cents).scaleb(-2)


def _name(shareholder: Shareholder | None) -> str:
    return shareholder.display_name if shareholder is not None else ""


@login_required
def register_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-{cooperative.siren}.csv"'
    response.write("\ufeff")
    writer = SafeWriter(response, decimal_comma=True, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Number"),
            _("Date"),
            _("Movement"),
            _("Class"),
            _("Shares"),
            _("From"),
            _("To"),
            _("Capital change (EUR)"),
            _("Board decision"),
            _("Cancels n°"),
            _("Cancelled by n°"),
            _("Ledger transaction"),
            _("Note"),
        ]
    )
    cancelled = cancelled_numbers(cooperative)
    for movement in selectors.register(cooperative):
        writer.writerow(
            [
                movement.number,
                short(movement.effective_on),
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
        )
    return response


@login_required
def holdings_csv(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = readable(request, pk)
    _form, on = day_on(request)
    day = on or timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="holdings-{cooperative.siren}-{day.isoformat()}.csv"'
    response.write("\ufeff")
    writer = SafeWriter(response, decimal_comma=True, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Shareholder"),
            "SIREN",
            _("College"),
            _("Class"),
            _("Shares"),
            _("Nominal value (EUR)"),
            _("Value (EUR)"),
            _("Admitted on"),
        ]
    )
    for holding in selectors.holdings_at(cooperative, on):
        shareholder = holding.shareholder
        writer.writerow(
            [
                shareholder.display_name,
                shareholder.siren or (shareholder.member.siren if shareholder.member else ""),
                shareholder.college.name,
                holding.share_class.code,
                holding.shares,
                _decimal(holding.share_class.nominal_value),
                _decimal(holding.value),
                short(shareholder.admitted_on),
            ]
        )
    return response


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
