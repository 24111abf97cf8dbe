"""Draw the web app's PNG icons (static/img/icons/icon-192.png, icon-512.png) from Bocage's mark.

Pillow cannot read SVG, so this draws the same shapes as static/img/bocage-mark.svg (kept in
step by hand: a 512-unit square, scaled). Run `python scripts/make_icons.py` after changing the
mark, and commit the PNGs.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
GREEN, LIGHT, PALE = "#2f6b3a", "#f6f5ef", "#a9c8a0"
OVERSAMPLE = 4  # drawn larger, then reduced: smooth edges without antialiasing support


def draw(size: int) -> Image.Image:
    big = size * OVERSAMPLE
    scale = big / 512
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * scale, y0 * scale, x1 * scale, y1 * scale)

    pen.rounded_rectangle(box(0, 0, 512, 512), radius=96 * scale, fill=GREEN)
    for x0, y0, x1, y1 in ((140, 250, 160, 340), (246, 220, 266, 340), (352, 250, 372, 340)):
        pen.rectangle(box(x0, y0, x1, y1), fill=LIGHT)  # the trunks
    for cx, cy, r in ((150, 236, 58), (256, 190, 74), (362, 236, 58)):
        pen.ellipse(box(cx - r, cy - r, cx + r, cy + r), fill=LIGHT)  # the crowns
    pen.rounded_rectangle(box(64, 336, 448, 364), radius=14 * scale, fill=LIGHT)
    pen.rounded_rectangle(box(112, 392, 400, 416), radius=12 * scale, fill=PALE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(ICONS / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
