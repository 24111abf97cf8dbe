"""Forms of the time bank, and a reusable field for durations: "1 h 30", "1h30", "1:30", "45 min",
"1,5" or "1.5" (decimal hours), or two inputs (hours + minutes)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core.amounts import AMOUNT_INVALID, AmountError, duration_to_hours, parse_amount
from ledger.units import get_unit
from members.picker import MemberField

# [0-9], never str.isdigit(): that takes Arabic-Indic and full-width digits too.
ASCII_DIGITS = re.compile(r"^[0-9]{1,5}$")


class HoursWidget(forms.MultiWidget):
    """Two number inputs: hours and minutes."""

    template_name = "timebank/hours_widget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "h": forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric", "class": "hours"}),
            "min": forms.NumberInput(
                attrs={"min": 0, "max": 59, "step": 1, "inputmode": "numeric", "class": "minutes"}
            ),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, Money):
            minutes = round(value.amount * 60)
            return [minutes // 60, minutes % 60]
        return [None, None]


class HoursField(forms.Field):
    """A duration in hours, cleaned to Money(…, "HRS"): "1 h 30" → 1.50 h (150 hundredths).

    Accepts text ("1 h 30", "1h30", "1:30", "2 h", "45 min", "1,5", "1.5") or, with
    `widget=HoursWidget`, a pair [hours, minutes]. Minutes must be 0–59. Whether the amount is
    acceptable (positive, within limits) is the service's call.
    """

    default_error_messages = {
        "invalid": AMOUNT_INVALID,
        "minutes": _("Minutes go from 0 to 59."),
    }

    def __init__(self, *, unit: str = "HRS", **kwargs: Any) -> None:
        self.unit = unit
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "1 h 30", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Money | None:
        if isinstance(value, (list, tuple)):
            hours_text, minutes_text = (str(part or "").strip() for part in value)
            if not hours_text and not minutes_text:
                return None
            if not ASCII_DIGITS.match(hours_text or "0") or not ASCII_DIGITS.match(minutes_text or "0"):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return self._money(int(hours_text or 0), int(minutes_text or 0))
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return Money(parse_amount(text, decimals=get_unit(self.unit).decimals, hours=True), self.unit)
        except AmountError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def _money(self, hours: int, minutes: int) -> Money:
        if minutes > 59:
            raise forms.ValidationError(self.error_messages["minutes"], code="minutes")
        return Money(duration_to_hours(hours, minutes), self.unit)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Money) and not isinstance(self.widget, forms.MultiWidget):
            return get_unit(self.unit).format(get_unit(self.unit).to_minor(value))
        return value


class _OnceForm(forms.Form):
    # One key per rendered form: a double click or a resubmitted page posts once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class ServiceRecordForm(forms.Form):
    receiver = MemberField(label=_("Who received the service"), exclude_self=True)
    hours = HoursField(label=_("Time given"), help_text=_("e.g. 1 h 30, 45 min or 1,5"))
    description = forms.CharField(label=_("What you did"), max_length=255)
    performed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class VolunteeringRewardForm(_OnceForm):
    association = MemberField(
        label=_("Association"),
        required=False,
        help_text=_("Staff only: the association rewarding, by name or commune."),
    )
    volunteer = MemberField(label=_("Volunteer"))
    hours = HoursField(label=_("Hours"), widget=HoursWidget)
    description = forms.CharField(label=_("Volunteering"), max_length=200)
