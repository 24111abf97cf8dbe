"""QR codes as inline SVG (segno: pure Python, no image library, no request to a third party):
the payment requests' codes (currency) and the members' check-in codes (places)."""

from __future__ import annotations

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, title: str = "", scale: int = 6) -> SafeString:
    """An inline <svg> QR code of `data` (medium error correction: survives a scratched screen)."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(scale=scale, border=4, dark="#000", light="#fff", title=title or None, svgclass="qr")
    # segno writes every attribute and the title escaped; `data` itself is only in the modules.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))  # noqa: S308
