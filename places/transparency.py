"""The network's section of the public transparency page: its places and their occupancy, no names.

Registered in core.transparency from PlacesConfig.ready: the page is the currency's, which imports
nothing of places (tests/test_import_contracts.py); it renders whatever sections are registered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.dates import format_date
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _

from core.l10n import babel_locale, format_number
from core.transparency import Chart, ChartBar, Section
from places.models import Place, PlaceKind
from places.selectors.occupancy import Figures, MonthOccupancy, occupancy_last_months

MONTHS_SHOWN = 6
NARROW_NBSP = "\u202f"


def format_rate(rate: Decimal | None) -> str:
    """`42,5 %` (fr: a narrow no-break space before %), `42.5%` (en); `—` when nothing was open."""
    if rate is None:
        return "—"
    text = format_number(rate, 1)
    return f"{text}%" if babel_locale().startswith("en") else f"{text}{NARROW_NBSP}%"


def format_hours(hours: Decimal) -> str:
    return format_number(hours.quantize(Decimal(1)), 0)


def place_url(place_id: int) -> str:
    """The place's page (the pages' route), else its open data."""
    for name in ("place-detail", "places:place-detail", "place"):
        try:
            return reverse(name, args=[place_id])
        except NoReverseMatch:
            continue
    return f"/api/places/{place_id}/"


def _figures(figures: Figures) -> dict[str, str]:
    return {
        "hours_open": format_hours(figures.hours_open),
        "hours_booked": format_hours(figures.hours_booked),
        "rate": format_rate(figures.rate),
    }


def _month_row(month: MonthOccupancy) -> dict[str, Any]:
    return {
        "iso": month.iso,
        "month": formats.date_format(month.month, "F Y"),
        "month_short": format_date(month.month, format="MMM", locale=babel_locale()),
        **_figures(month.total),
    }


def places_section() -> Section | None:
    """The public places (name, commune, kinds, link) and the occupancy of the last months."""
    places = list(Place.objects.filter(public=True).select_related("commune").order_by("name"))
    if not places:
        return None
    months = occupancy_last_months(MONTHS_SHOWN)
    # The last month over: the current one is still being booked.
    last_full = months[-2] if len(months) > 1 else months[-1]
    rates = {line.place_id: line.rate for line in last_full.places}
    kind_labels = dict(PlaceKind.choices)
    rows = [_month_row(month) for month in months]
    chart = Chart(
        id="chart-occupancy",
        title=_("Occupancy of the tiers-lieux, per month"),
        description=_("Share of the seat-hours open that were booked each month, the last %(count)s months.")
        % {"count": len(months)},
        bars=[
            ChartBar(
                label=row["month_short"],
                value=int((month.total.rate or Decimal(0)) * 10),
                display=row["rate"],
                long_label=row["month"],
            )
            for row, month in zip(rows, months, strict=True)
        ],
    )
    return Section(
        key="places",
        template="places/transparency_section.html",
        context={
            "places": [
                {
                    "name": place.name,
                    "commune": place.commune.name,
                    "kinds": ", ".join(str(kind_labels.get(kind, kind)) for kind in place.kinds),
                    "url": place_url(place.pk),
                    "rate": format_rate(rates.get(place.pk)),
                }
                for place in places
            ],
            "last_full_month": formats.date_format(last_full.month, "F Y"),
            "months": rows,
            "kinds": [{"label": line.label, **_figures(line)} for line in last_full.kinds],
            "communes": [{"commune": line.commune, **_figures(line)} for line in last_full.communes],
            "api_url": reverse("api-places-occupancy"),
        },
        charts=[chart],
    )
