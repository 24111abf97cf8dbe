"""The capital's history as a server-rendered SVG step chart: no JavaScript, readable by a screen reader.

The capital only changes on the days of movements and stays flat in between, so the line is drawn
as steps: flat until the next movement's day, then up or down. Time runs to scale along the x axis.
Each day of the history is a point carrying its own `<title>` (the date and the exact figure);
pages put the same numbers in a table below the chart.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
HEIGHT = 260
MARGIN_TOP = 28
MARGIN_BOTTOM = 36
MARGIN_SIDE = 16


@dataclass(frozen=True)
class Point:
    day: datetime.date
    value: int  # any scale: only the ratios matter
    label: str  # the date as people read it ("12/03/2026")
    display: str  # the figure as people read it ("1 234,50 €")


def step_chart(*, chart_id: str, title: str, points: Sequence[Point], description: str = "") -> SafeString:
    """An accessible step chart of `points` (in date order); every text is escaped here."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    plot_width = WIDTH - 2 * MARGIN_SIDE
    top = max((max(point.value, 0) for point in points), default=0)
    first = points[0].day if points else None
    span = (points[-1].day - points[0].day).days if points else 0

    def x(day: datetime.date) -> float:
        if first is None or span == 0:
            return MARGIN_SIDE + plot_width / 2
        return MARGIN_SIDE + (day - first).days / span * plot_width

    def y(value: int) -> float:
        return HEIGHT - MARGIN_BOTTOM - (0.0 if top <= 0 else max(value, 0) / top * plot_height)

    baseline = HEIGHT - MARGIN_BOTTOM
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart coop-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        f'<line x1="{MARGIN_SIDE}" y1="{baseline}" x2="{WIDTH - MARGIN_SIDE}" y2="{baseline}" class="axis" '
        f'stroke="#9aa59d" />',
    ]
    if points:
        path = [f"M{x(points[0].day):.1f},{baseline:.1f}", f"V{y(points[0].value):.1f}"]
        for point in points[1:]:
            path.append(f"H{x(point.day):.1f}")
            path.append(f"V{y(point.value):.1f}")
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="#2f6b3a" stroke-width="2.5" class="line" />')
        for point in points:
            tooltip = _("%(label)s: %(value)s") % {"label": point.label, "value": point.display}
            parts.append(
                f'<circle class="point" data-date="{point.day.isoformat()}" cx="{x(point.day):.1f}" '
                f'cy="{y(point.value):.1f}" r="4" fill="#214d29"><title>{escape(tooltip)}</title></circle>'
            )
        parts.append(
            f'<text x="{MARGIN_SIDE}" y="{HEIGHT - 10}" font-size="14" fill="#5d6b62">{escape(points[0].label)}</text>'
        )
        if len(points) > 1:
            parts.append(
                f'<text x="{WIDTH - MARGIN_SIDE}" y="{HEIGHT - 10}" font-size="14" fill="#5d6b62" '
                f'text-anchor="end">{escape(points[-1].label)}</text>'
            )
        peak = max(points, key=lambda point: point.value)
        parts.append(
            f'<text x="{MARGIN_SIDE}" y="{MARGIN_TOP - 10}" font-size="14" fill="#1d2420">'
            f"{escape(_('max. %(value)s') % {'value': peak.display})}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every interpolated text is escaped above
