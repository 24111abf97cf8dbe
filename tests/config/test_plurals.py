"""Counts shown with their plural, in both languages (ngettext): one and two of each."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from cooperative.memos import SUBSCRIPTION
from ledger import memos

SEPA = (
    "SEPA file %(id)s created: %(count)s transfer, %(total)s.",
    "SEPA file %(id)s created: %(count)s transfers, %(total)s.",
)


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 1, "Fichier SEPA M1 créé\u00a0: 1 virement, 5,00 EUR."),
        ("fr", 2, "Fichier SEPA M1 créé\u00a0: 2 virements, 5,00 EUR."),
        ("en", 1, "SEPA file M1 created: 1 transfer, 5,00 EUR."),
        ("en", 2, "SEPA file M1 created: 2 transfers, 5,00 EUR."),
    ],
)
def test_the_sepa_export_message_counts_its_transfers(language, count, expected):
    with translation.override(language):
        assert ngettext(*SEPA, count) % {"id": "M1", "count": count, "total": "5,00 EUR"} == expected


@pytest.mark.parametrize(
    ("language", "quantity", "expected"),
    [
        ("fr", 1, "Souscription de 1 part A par Louis Gaborit"),
        ("fr", 2, "Souscription de 2 parts A par Louis Gaborit"),
        ("en", 1, "Subscription of 1 A share by Louis Gaborit"),
        ("en", 2, "Subscription of 2 A shares by Louis Gaborit"),
    ],
)
def test_a_share_memo_agrees_with_its_quantity(language, quantity, expected):
    with translation.override(language):
        memo = memos.memo(SUBSCRIPTION, quantity=quantity, code="A", name="Louis Gaborit")
        assert str(memo) == expected
