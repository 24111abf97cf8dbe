"""Printable PDFs of the share register (reportlab, A4): a subscription's certificate, the register.

Written in the active language (French by default) with the PDF core fonts (Helvetica, encoded
WinAnsi): nothing to install, nothing embedded. Those fonts lack a few characters our formatting
uses (the narrow no-break space of `1 234,50 €`, the minus sign), so texts go through `_pdf_text`.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.amounts import format_euros

from . import selectors
from .models import Cooperative, Shareholder, ShareMovement

_REPLACEMENTS = str.maketrans({"\u202f": "\u00a0", "\u2212": "-", "\u2192": "->", "\u2009": " "})


def _pdf_text(text: Any) -> str:
    """Escaped for reportlab's paragraph markup, and only characters the core fonts have."""
    cleaned = str(text).translate(_REPLACEMENTS).encode("cp1252", "replace").decode("cp1252")
    return str(escape(cleaned))


def _euros(cents: int) -> str:
    return _pdf_text(format_euros(cents))


def _day(day: datetime.date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else ""


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=18, leading=22, spaceAfter=4 * mm),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontSize=13, spaceBefore=4 * mm),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=10, leading=14),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=8, leading=10),
        "cell_right": ParagraphStyle("cell_right", parent=base["Normal"], fontSize=8, leading=10, alignment=TA_RIGHT),
        "centre": ParagraphStyle("centre", parent=base["Normal"], fontSize=10, leading=14, alignment=TA_CENTER),
    }


def _identity(cooperative: Cooperative) -> str:
    """`SCIC … · SIREN 732 829 320 · registered office …`"""
    siren = f"{cooperative.siren[:3]} {cooperative.siren[3:6]} {cooperative.siren[6:]}"
    return _pdf_text(
        _("%(form)s · SIREN %(siren)s · registered office: %(seat)s")
        % {"form": cooperative.get_legal_form_display(), "siren": siren, "seat": cooperative.seat_address}
    )


def _numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas that writes "footer · page n / N" at the bottom of each page, once N is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.HexColor("#5d6b62"))
                page = _("Page %(number)d of %(total)d") % {"number": self._pageNumber, "total": total}
                self.drawString(15 * mm, 10 * mm, _pdf_text(footer))
                self.drawRightString(A4[0] - 15 * mm, 10 * mm, _pdf_text(page))
                super().showPage()
            super().save()

    return NumberedCanvas


def _document(buffer: io.BytesIO, title: str, compress: bool) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Bocage",
        pageCompression=1 if compress else 0,
    )


def _shareholder_lines(shareholder: Shareholder) -> list[str]:
    lines = [f"<b>{_pdf_text(shareholder.display_name)}</b>"]
    address = shareholder.address or (shareholder.member.address if shareholder.member else "")
    if address:
        lines.append(_pdf_text(address))
    if shareholder.siren:
        lines.append(_pdf_text(_("SIREN %(siren)s") % {"siren": shareholder.siren}))
    lines.append(_pdf_text(_("College: %(college)s") % {"college": shareholder.college.name}))
    return lines


def subscription_certificate_pdf(movement: ShareMovement, *, compress: bool = True) -> bytes:
    """The certificate of a subscription movement (what the shareholder keeps)."""
    cooperative = movement.cooperative
    shareholder = movement.to_shareholder
    assert shareholder is not None and movement.kind == ShareMovement.Kind.SUBSCRIPTION
    share_class = movement.share_class
    styles = _styles()
    title = _("Certificate of subscription of shares")
    buffer = io.BytesIO()
    document = _document(buffer, title, compress)
    facts = [
        [_("Share class"), f"{share_class.code} — {share_class.name}"],
        [_("Number of shares"), str(movement.quantity)],
        [_("Nominal value per share"), format_euros(share_class.nominal_value)],
        [_("Total subscribed and paid"), format_euros(movement.quantity * share_class.nominal_value)],
        [
            _("Movement in the register"),
            _("n° %(number)d of %(date)s") % {"number": movement.number, "date": _day(movement.effective_on)},
        ],
        [_("Board decision"), movement.board_decision or "—"],
    ]
    if movement.ledger_transaction_id:
        facts.append([_("Payment recorded"), _("transaction n° %(id)d") % {"id": movement.ledger_transaction_id}])
    table = Table(
        [
            [Paragraph(_pdf_text(label), styles["body"]), Paragraph(f"<b>{_pdf_text(value)}</b>", styles["body"])]
            for label, value in facts
        ],
        colWidths=[65 * mm, 110 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa59d")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef0ea")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story: list[Any] = [
        Paragraph(_pdf_text(cooperative.name), styles["title"]),
        Paragraph(_identity(cooperative), styles["centre"]),
        Spacer(1, 8 * mm),
        Paragraph(_pdf_text(title), styles["heading"]),
        Paragraph(_pdf_text(_("The cooperative certifies that the shareholder below")), styles["body"]),
        Spacer(1, 2 * mm),
        Paragraph("<br/>".join(_shareholder_lines(shareholder)), styles["body"]),
        Spacer(1, 2 * mm),
        Paragraph(_pdf_text(_("has subscribed and paid up the following shares of its capital:")), styles["body"]),
        Spacer(1, 3 * mm),
        table,
    ]
    reversal = ShareMovement.objects.filter(reverses=movement).first()
    if reversal is not None:
        story += [
            Spacer(1, 4 * mm),
            Paragraph(
                "<b>"
                + _pdf_text(
                    _("This subscription was cancelled by movement n° %(number)d of %(date)s.")
                    % {"number": reversal.number, "date": _day(reversal.effective_on)}
                )
                + "</b>",
                styles["body"],
            ),
        ]
    place = cooperative.commune.name if cooperative.commune else cooperative.seat_address
    story += [
        Spacer(1, 10 * mm),
        Paragraph(
            _pdf_text(_("Made at %(place)s, on %(date)s.") % {"place": place, "date": _day(movement.effective_on)}),
            styles["body"],
        ),
        Spacer(1, 6 * mm),
        Paragraph(_pdf_text(_("For the board of directors: name, capacity and signature")), styles["body"]),
        Spacer(1, 18 * mm),
        Paragraph("_" * 45, styles["body"]),
    ]
    footer = _("%(name)s · certificate of movement n° %(number)d · printed on %(date)s") % {
        "name": cooperative.name,
        "number": movement.number,
        "date": _day(timezone.localdate()),
    }
    document.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def _party(shareholder: Shareholder | None) -> str:
    return shareholder.display_name if shareholder is not None else "—"


def register_pdf(cooperative: Cooperative, on: datetime.date | None = None, *, compress: bool = True) -> bytes:
    """The register of movements in order (up to `on`), then the holdings and the capital on that day."""
    styles = _styles()
    day = on or timezone.localdate()
    title = _("Register of shareholders and share movements")
    buffer = io.BytesIO()
    document = _document(buffer, title, compress)
    movements = selectors.register(cooperative).filter(effective_on__lte=day)

    def cell(text: Any, style: str = "cell") -> Paragraph:
        return Paragraph(_pdf_text(text), styles[style])

    header = [
        _("N°"),
        _("Date"),
        _("Movement"),
        _("Class"),
        _("Shares"),
        _("From"),
        _("To"),
        _("Capital change"),
        _("Board decision"),
    ]
    rows: list[list[Any]] = [[cell(label) for label in header]]
    for movement in movements:
        kind = movement.get_kind_display()
        if movement.reverses_id is not None and movement.reverses is not None:
            kind = _("%(kind)s of n° %(number)d") % {"kind": kind, "number": movement.reverses.number}
        rows.append(
            [
                cell(movement.number, "cell_right"),
                cell(_day(movement.effective_on)),
                cell(kind),
                cell(movement.share_class.code),
                cell(movement.quantity, "cell_right"),
                cell(_party(movement.from_shareholder)),
                cell(_party(movement.to_shareholder)),
                cell(format_euros(movement.capital_delta), "cell_right"),
                cell(movement.board_decision or "—"),
            ]
        )
    widths = [10 * mm, 17 * mm, 24 * mm, 10 * mm, 12 * mm, 30 * mm, 30 * mm, 21 * mm, 26 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_table_style())
    story: list[Any] = [
        Paragraph(_pdf_text(cooperative.name), styles["title"]),
        Paragraph(_identity(cooperative), styles["centre"]),
        Spacer(1, 4 * mm),
        Paragraph(_pdf_text(title), styles["heading"]),
        Paragraph(_pdf_text(_("Movements recorded up to %(date)s, in order.") % {"date": _day(day)}), styles["body"]),
        Spacer(1, 3 * mm),
    ]
    if len(rows) > 1:
        story.append(table)
    else:
        story.append(Paragraph(_pdf_text(_("No movement yet.")), styles["body"]))

    holdings = selectors.holdings_at(cooperative, day)
    story += [
        Paragraph(_pdf_text(_("Holdings on %(date)s") % {"date": _day(day)}), styles["heading"]),
        Paragraph(
            _pdf_text(
                _("Subscribed capital: %(capital)s.")
                % {"capital": format_euros(selectors.capital_at(cooperative, day))}
            ),
            styles["body"],
        ),
        Spacer(1, 3 * mm),
    ]
    if holdings:
        holding_rows: list[list[Any]] = [
            [cell(label) for label in (_("Shareholder"), _("College"), _("Class"), _("Shares"), _("Value"))]
        ]
        for holding in holdings:
            holding_rows.append(
                [
                    cell(holding.shareholder.display_name),
                    cell(holding.shareholder.college.name),
                    cell(holding.share_class.code),
                    cell(holding.shares, "cell_right"),
                    cell(format_euros(holding.value), "cell_right"),
                ]
            )
        holdings_table = Table(holding_rows, colWidths=[70 * mm, 45 * mm, 15 * mm, 20 * mm, 30 * mm], repeatRows=1)
        holdings_table.setStyle(_table_style())
        story.append(holdings_table)
    else:
        story.append(Paragraph(_pdf_text(_("Nobody holds shares on that day.")), styles["body"]))
    footer = _("%(name)s · register on %(date)s · printed on %(printed)s") % {
        "name": cooperative.name,
        "date": _day(day),
        "printed": _day(timezone.localdate()),
    }
    document.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def _table_style() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa59d")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5f1e3")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f5ef")]),
        ]
    )
