from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField, AmountsInUnitForm
from core.dates import DateField
from members.picker import MemberField

from ..units import all_units


def _member_unit_choices() -> list[tuple[str, str]]:
    return [(unit.code, f"{unit.name} ({unit.code})") for unit in all_units().values() if unit.member_account]


class PayForm(AmountsInUnitForm):
    recipient = MemberField(label=_("Recipient"), exclude_self=True)
    unit = forms.ChoiceField(label=_("Unit"), choices=_member_unit_choices)
    amount = AmountField(label=_("Amount"), hours=True)
    memo = forms.CharField(label=_("Memo"), max_length=255, required=False)
    # One key per rendered form: a double click or a resubmitted page posts once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class StandingOrderForm(AmountsInUnitForm):
    """A standing order to a member, from the payer's own account in the chosen unit."""

    recipient = MemberField(label=_("Recipient"), exclude_self=True)
    unit = forms.ChoiceField(label=_("Unit"), choices=_member_unit_choices)
    amount = AmountField(label=_("Amount each time"), hours=True)
    period = forms.ChoiceField(
        label=_("Every"),
        choices=[("monthly", _("month")), ("weekly", _("week")), ("yearly", _("year"))],
    )
    day = forms.IntegerField(
        label=_("Day"),
        min_value=1,
        max_value=31,
        help_text=_(
            "Each month: the day of the month (31 = the month's last day). Each week: 1 Monday … 7 Sunday. "
            "Each year: the day in the first day's month."
        ),
    )
    start = DateField(label=_("First day"))
    end = DateField(label=_("Last day (optional)"), required=False)
    memo = forms.CharField(label=_("Memo"), max_length=255, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
