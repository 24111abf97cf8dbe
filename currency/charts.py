"""Server-rendered SVG bar charts: no JavaScript, no CDN, readable by a screen reader.

Each chart is an `<svg role="img">` named by its `<title>` and `<desc>`; each bar carries its own
`<title>` (the exact figure, shown as a tooltip). Pages put the same numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# The drawing is sized for a phone: on a 360 px screen the chart is about 330 px wide, so one
# unit of the viewBox is about 0.9 px and FONT_SIZE reads as 12 px at least (larger on a wider
# screen, where the page caps the chart's width). The month labels are slanted to fit twelve.
WIDTH = 360
HEIGHT = 250
MARGIN_TOP = 24
MARGIN_BOTTOM = 52
MARGIN_SIDE = 8
FONT_SIZE = 14
PHONE_CHART_WIDTH_PX = 330


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (short: "janv.")
    value: int  # any non-negative scale: only the ratios matter
    display: str  # the figure as people read it ("1 234,50 ACH")
    long_label: str = ""  # in the bar's tooltip ("janvier 2026"); the label if empty


def bar_chart(*, chart_id: str, title: str, bars: Sequence[Bar], description: str = "") -> SafeString:
    """An accessible vertical bar chart; every text is escaped here."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = max((bar.value for bar in bars), default=0)
    slot = (WIDTH - 2 * MARGIN_SIDE) / max(len(bars), 1)
    bar_width = slot * 0.7
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        f'<line x1="{MARGIN_SIDE}" y1="{HEIGHT - MARGIN_BOTTOM}" x2="{WIDTH - MARGIN_SIDE}" '
        f'y2="{HEIGHT - MARGIN_BOTTOM}" class="axis" stroke="#9aa59d" />',
    ]
    for index, bar in enumerate(bars):
        height = 0.0 if top <= 0 else max(bar.value, 0) / top * plot_height
        x = MARGIN_SIDE + index * slot + (slot - bar_width) / 2
        y = HEIGHT - MARGIN_BOTTOM - height
        centre = x + bar_width / 2
        tooltip = _("%(label)s: %(value)s") % {"label": bar.long_label or bar.label, "value": bar.display}
        parts.append(
            f'<g class="bar"><rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{height:.1f}" '
            f'fill="#2f6b3a"><title>{escape(tooltip)}</title></rect>'
            f'<text x="{centre:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="end" font-size="{FONT_SIZE}" '
            f'transform="rotate(-40 {centre:.1f} {HEIGHT - MARGIN_BOTTOM + 16})" '
            f'fill="#4a564e">{escape(bar.label)}</text></g>'
        )
    if bars and top > 0:
        peak = max(bars, key=lambda bar: bar.value)
        parts.append(
            f'<text x="{MARGIN_SIDE}" y="{MARGIN_TOP - 8}" font-size="{FONT_SIZE}" fill="#1d2420">'
            f"{escape(_('max. %(value)s') % {'value': peak.display})}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every interpolated text is escaped above
