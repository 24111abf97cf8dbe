"""Forms of the exchange-office and reconversion pages. Forms parse; services decide."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField
from core.dates import DateField
from currency.models import Comptoir, Conversion
from members.picker import MemberField


class IdempotentForm(forms.Form):
    # One key per rendered form: a double click or a resubmitted page records once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class ConversionForm(IdempotentForm):
    comptoir = forms.ModelChoiceField(label=_("Exchange office"), queryset=Comptoir.objects.none(), empty_label=None)
    # Posted as "username" as before (an exact username still resolves); a name or the picker's choice too.
    username = MemberField(label=_("Member"))
    amount = AmountField(
        label=_("Amount received (euros)"),
        unit="EUR",
        decimals=2,
        min_value=Decimal("0.01"),
        help_text=_("The member receives as many ACH."),
    )
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=Conversion.PaymentMethod.choices)

    def __init__(self, *args, comptoirs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["comptoir"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = comptoirs if comptoirs is not None else Comptoir.objects.none()


class DayForm(forms.Form):
    day = DateField(label=_("Day"))

    def day_or_today(self):
        return self.cleaned_data["day"] if self.is_valid() else timezone.localdate()


class ReconversionRequestForm(forms.Form):
    amount = AmountField(
        label=_("Amount (ACH)"),
        unit="ACH",
        decimals=2,
        min_value=Decimal("0.01"),
        help_text=_("Paid to your IBAN by bank transfer, minus the reconversion fee."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
