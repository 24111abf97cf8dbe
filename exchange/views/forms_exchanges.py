"""Forms of exchange pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField, AmountsInUnitForm
from ledger.units import all_units


def _member_unit_choices() -> list[tuple[str, str]]:
    return [(unit.code, f"{unit.name} ({unit.code})") for unit in all_units().values() if unit.member_account]


class ProposeForm(AmountsInUnitForm):
    amount = AmountField(label=_("Amount"), hours=True)
    unit = forms.ChoiceField(label=_("Unit"), choices=_member_unit_choices, initial="GRN")
    message = forms.CharField(
        label=_("Message"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say when and how you would like the exchange to happen."),
    )

    def __init__(self, *args: Any, listing_unit: str = "", **kwargs: Any) -> None:
        super().__init__(*args, unit=listing_unit or None, **kwargs)
        if listing_unit:  # the listing has a price: its unit is the exchange's
            del self.fields["unit"]
            self.fields["amount"].help_text = _("In %(unit)s; the listing's price is suggested.") % {
                "unit": listing_unit
            }


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(AmountsInUnitForm):
    OUTCOMES = [
        ("capture", _("Pay the seller in full")),
        ("partial", _("Pay part of the amount")),
        ("void", _("Pay nothing (release the hold)")),
    ]
    outcome = forms.ChoiceField(label=_("Decision"), choices=OUTCOMES)
    amount = AmountField(
        label=_("Amount to pay"), required=False, hours=True, help_text=_("Only for a partial payment.")
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    RATINGS = [(str(value), str(value)) for value in range(5, 0, -1)]
    rating = forms.TypedChoiceField(label=_("Rating (1 to 5)"), choices=RATINGS, coerce=int)
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
