"""The transparency charts' labels: months the reader's way (never "Jui" for both June and July)
and text that reads at 12 px at least on a phone."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import translation

from currency.charts import FONT_SIZE, PHONE_CHART_WIDTH_PX, WIDTH, Bar, bar_chart
from currency.views.public import _month_label


@pytest.mark.parametrize(("language", "june", "july"), [("fr", "juin", "juil."), ("en", "Jun", "Jul")])
def test_june_and_july_are_told_apart_in_each_language(language, june, july):
    with translation.override(language):
        assert _month_label(datetime.date(2026, 6, 1)) == june
        assert _month_label(datetime.date(2026, 7, 1)) == july


def test_every_text_of_a_chart_reads_at_twelve_pixels_on_a_phone():
    svg = bar_chart(
        chart_id="c",
        title="Paiements",
        bars=[Bar(label="juil.", value=index, display=f"{index} ACH") for index in range(12)],
    )
    sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', svg)]
    assert len(sizes) == 13  # twelve months and the maximum
    scale = PHONE_CHART_WIDTH_PX / WIDTH
    assert min(sizes) == FONT_SIZE and FONT_SIZE * scale >= 12


@pytest.mark.django_db
def test_the_transparency_page_labels_months_with_babels_abbreviations():
    page = Client().get("/public/transparency/", headers={"accept-language": "fr"}).content.decode()
    labels = re.findall(r'rotate\([^)]*\)" fill="#4a564e">([^<]+)</text>', page)
    assert len(labels) == 24  # twelve months, two charts
    assert "jui" not in labels
