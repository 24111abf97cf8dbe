"""Forms of payment requests: they parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField, AmountsInUnitForm
from ledger.units import all_units


def _request_unit_choices() -> list[tuple[str, str]]:
    return [(unit.code, f"{unit.name} ({unit.code})") for unit in all_units().values() if unit.member_account]


class PaymentRequestForm(AmountsInUnitForm):
    unit = forms.ChoiceField(label=_("Unit"), choices=_request_unit_choices, initial=settings.BOCAGE_LOCAL_UNIT)
    amount = AmountField(label=_("Amount"), hours=True)
    memo = forms.CharField(
        label=_("Memo"), max_length=255, required=False, help_text=_("What the payer sees, e.g. “2 baguettes”.")
    )
    expires_in_minutes = forms.IntegerField(
        label=_("Valid for (minutes)"),
        min_value=1,
        max_value=60 * 24 * 90,
        required=False,
        help_text=_("Leave empty for a request that does not expire."),
    )
