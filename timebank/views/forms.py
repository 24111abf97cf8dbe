"""Forms of the time bank. Hours are typed in the one amount input of the site
(`core.amounts.AmountField` in hours: "1 h 30", "1h30", "1:30", "45 min", "1,5"), days in the one
date input (`core.dates.DateField`); both clean to what the services take (Money in HRS, a date)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core.amounts import AmountField
from core.dates import DateField
from ledger.units import get_unit
from members.picker import MemberField

TIME_UNIT = "HRS"


def hours_field(label: Any, **kwargs: Any) -> AmountField:
    """Hours typed as a duration or decimal hours, shown with "h" beside the input."""
    kwargs.setdefault("help_text", _("e.g. 1 h 30, 45 min or 1,5"))
    return AmountField(label=label, unit=TIME_UNIT, decimals=get_unit(TIME_UNIT).decimals, **kwargs)


class _HoursAsMoney:
    """Hands the services Money in hours (1 h 30 → Money("1.50", "HRS")); whether the amount is
    acceptable (positive, within limits) is the service's call."""

    cleaned_data: dict[str, Any]

    def clean_hours(self) -> Money | None:
        value = self.cleaned_data.get("hours")
        return None if value is None else Money(value, TIME_UNIT)


class _OnceForm(forms.Form):
    # One key per rendered form: a double click or a resubmitted page posts once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class ServiceRecordForm(_HoursAsMoney, forms.Form):
    receiver = MemberField(label=_("Who received the service"), exclude_self=True)
    hours = hours_field(_("Time given"))
    description = forms.CharField(label=_("What you did"), max_length=255)
    performed_on = DateField(label=_("Date"))


class VolunteeringRewardForm(_HoursAsMoney, _OnceForm):
    association = MemberField(
        label=_("Association"),
        required=False,
        help_text=_("Staff only: the association rewarding, by name or commune."),
    )
    volunteer = MemberField(label=_("Volunteer"))
    hours = hours_field(_("Hours"))
    description = forms.CharField(label=_("Volunteering"), max_length=200)


class VolunteerLineForm(_HoursAsMoney, forms.Form):
    """One volunteer of a batch: left empty, the line is skipped."""

    volunteer = MemberField(label=_("Volunteer"), required=False)
    hours = hours_field(_("Hours"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("volunteer") and data.get("hours") is None and "hours" not in self.errors:
            self.add_error("hours", _("How many hours?"))
        if data.get("hours") is not None and not data.get("volunteer") and "volunteer" not in self.errors:
            self.add_error("volunteer", _("Choose the volunteer."))
        return data


# Five lines a page; an association with more volunteers sends the page again.
VolunteerLines = forms.formset_factory(VolunteerLineForm, extra=5, max_num=5, absolute_max=5)


class VolunteeringBatchForm(_OnceForm):
    """Several volunteers rewarded at once for the same volunteering: all of them, or none."""

    association = MemberField(
        label=_("Association"),
        required=False,
        help_text=_("Staff only: the association rewarding, by name or commune."),
    )
    description = forms.CharField(label=_("Volunteering"), max_length=200)
