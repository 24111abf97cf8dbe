"""Public pages (no login): where to pay in ACH, and the currency's transparency figures."""

from __future__ import annotations

from typing import Any

from babel.dates import format_date
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import formats
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from core import transparency as transparency_registry
from currency.selectors import public as selectors_public
from ledger.units import get_unit

from ..charts import Bar, bar_chart

# Places per page of the directory: a page a phone scrolls through, and one query's worth of rows
# however many members the directory holds.
DIRECTORY_PAGE_SIZE = 50


def _commune_from(raw: str | None, communes: list[Any]) -> Any:
    """The commune chosen in the filter; anything else (blank, unknown, not a number) is no filter."""
    if not raw or not raw.isdigit():
        return None
    return next((commune for commune in communes if commune.pk == int(raw)), None)


def directory(request: HttpRequest) -> HttpResponse:
    communes = list(selectors_public.directory_communes())
    activities = selectors_public.directory_activities()
    commune = _commune_from(request.GET.get("commune"), communes)
    activity = request.GET.get("activity", "").strip()
    if activity not in activities:
        activity = ""
    q = request.GET.get("q", "").strip()[:100]
    members = selectors_public.directory(commune=commune, activity=activity or None, q=q or None)
    # A bad page number is page 1, one past the end the last page (as the marketplace does).
    page = Paginator(members, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "currency/public/directory.html",
        {
            "members": list(page.object_list),
            "page": page,
            "query": query.urlencode(),
            "communes": communes,
            "activities": activities,
            "selected_commune": commune,
            "selected_activity": activity,
            "q": q,
            "filtered": bool(commune or activity or q),
        },
    )


def _month_label(month: Any) -> str:
    """Babel's abbreviated month in the reader's language: `juin`, `juil.` (Django's `M` gave
    `jui` for both in French), `Jun`, `Jul`."""
    return format_date(month, format="MMM", locale=to_locale(get_language() or "fr"))


def _month_long(month: Any) -> str:
    return formats.date_format(month, "F Y")


def _monthly_rows(figures: selectors_public.TransparencyFigures) -> list[dict[str, Any]]:
    payments_unit = get_unit(selectors_public.PAYMENTS_UNIT)
    hours_unit = get_unit(selectors_public.HOURS_UNIT)
    return [
        {
            "month": _month_long(month.month),
            "month_short": _month_label(month.month),
            "iso": month.month.strftime("%Y-%m"),
            "payments": month.payments,
            "payments_display": payments_unit.format(month.payments),
            "payments_count": month.payments_count,
            "hours": month.hours,
            "hours_display": hours_unit.format(month.hours),
        }
        for month in figures.monthly
    ]


def _charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    charts = []
    for key, chart_id, title, description in [
        (
            "payments",
            "chart-payments",
            _("Payments in ACH, per month"),
            _("What members paid each other in ACH each month, the last 12 months."),
        ),
        (
            "hours",
            "chart-hours",
            _("Hours exchanged in the time bank, per month"),
            _("Hours of service exchanged between members each month, the last 12 months."),
        ),
    ]:
        bars = [
            Bar(label=row["month_short"], value=row[key], display=row[f"{key}_display"], long_label=row["month"])
            for row in rows
        ]
        charts.append(
            {
                "id": chart_id,
                "key": key,
                "title": title,
                "svg": bar_chart(chart_id=chart_id, title=title, bars=bars, description=description),
            }
        )
    return charts


def transparency(request: HttpRequest) -> HttpResponse:
    figures = selectors_public.transparency_figures()
    units = [
        {
            "code": line.unit,
            "name": get_unit(line.unit).name,
            "circulation": get_unit(line.unit).format(line.circulation),
            "guarantee_fund": get_unit("EUR").format(line.guarantee_fund),
            "fully_backed": line.fully_backed,
        }
        for line in figures.units
    ]
    rows = _monthly_rows(figures)
    return render(
        request,
        "currency/public/transparency.html",
        {
            "figures": figures,
            "units": units,
            "monthly": rows,
            "charts": _charts(rows),
            "seal": figures.latest_seal,
            "sections": _registered_sections(),
        },
    )


def _registered_sections() -> list[dict[str, Any]]:
    """Other apps' sections (core.transparency: the network of tiers-lieux…), their charts drawn here."""
    return [
        {
            "section": section,
            "charts": [
                {
                    "id": chart.id,
                    "title": chart.title,
                    "svg": bar_chart(
                        chart_id=chart.id,
                        title=chart.title,
                        description=chart.description,
                        bars=[
                            Bar(label=bar.label, value=bar.value, display=bar.display, long_label=bar.long_label)
                            for bar in chart.bars
                        ],
                    ),
                }
                for chart in section.charts
            ],
        }
        for section in transparency_registry.sections()
    ]


urlpatterns = [
    path("public/directory/", directory, name="directory"),
    path("public/transparency/", transparency, name="transparency"),
]
