"""Forms of listings: they parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.amounts import AmountField, AmountsInUnitForm
from core.dates import DateField
from exchange.models import Category, Listing
from exchange.selectors.listings import member_units
from members.models import Commune


def _unit_choices() -> list[tuple[str, Any]]:
    return [("", _("Any unit")), *[(code, code) for code in member_units()]]


def _category_choices(empty_label: str) -> list[tuple[str, str]]:
    language = get_language() or "fr"
    choices: list[tuple[str, str]] = [("", empty_label)]
    categories = list(Category.objects.all())
    for parent in (c for c in categories if c.parent_id is None):
        choices.append((str(parent.pk), parent.name(language)))
        choices.extend(
            (str(child.pk), f"— {child.name(language)}") for child in categories if child.parent_id == parent.pk
        )
    return choices


class ListingSearchForm(AmountsInUnitForm):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Offers and wants")), *Listing.Kind.choices]
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Every commune")
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False, choices=_unit_choices)
    price_min = AmountField(label=_("Minimum price"), required=False, hours=True)
    price_max = AmountField(label=_("Maximum price"), required=False, hours=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = _category_choices(str(_("Every category")))  # type: ignore[attr-defined]


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files at once; whether each is an acceptable image is the service's call."""

    def clean(self, data: object, initial: object = None) -> object:
        files = data if isinstance(data, (list, tuple)) else [data]
        return [file for file in files if file]


def _default_expiry() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=60)


class ListingForm(AmountsInUnitForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Listing.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=pgettext_lazy("listing", "Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("My commune")
    )
    unit = forms.ChoiceField(
        label=_("Unit"),
        required=False,
        choices=lambda: [("", _("To be agreed")), *[(code, code) for code in member_units()]],
    )
    price = AmountField(
        label=_("Price"),
        required=False,
        hours=True,
        help_text=_("Leave the unit empty for a price to be agreed."),
    )
    availability = forms.CharField(
        label=_("Availability"), max_length=200, required=False, help_text=_("e.g. weekends, evenings after 6 pm")
    )
    expires_on = DateField(label=_("Expires on"), initial=_default_expiry)
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/*", "multiple": True}),
        help_text=_("Up to 6 images (JPEG, PNG, GIF or WebP); they are resized."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = _category_choices("—")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("unit") and data.get("price") is None and "price" not in self.errors:
            self.add_error("price", _("Give a price in this unit, or choose “to be agreed”."))
        if not data.get("unit") and data.get("price") is not None:
            self.add_error("unit", _("Choose the unit of the price."))
        return data


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the author sees it)"), max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )
