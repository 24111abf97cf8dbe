"""The forms of the member's own pages: the profile, the IBAN, the e-mail address."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..models import Commune, Member

# The fields only a business or an association has on its profile (its directory entry).
ORGANISATION_FIELDS = (
    "in_directory",
    "directory_shows_address",
    "directory_shows_phone",
    "activity",
    "description",
    "website",
    "opening_hours",
)


class ProfileForm(forms.ModelForm):
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Outside the territory")
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("My browser's language")), *settings.LANGUAGES],
        required=False,
        help_text=_("Used on the site at each login, and for the mails Bocage sends you."),
    )

    class Meta:
        model = Member
        fields = (
            "display_name",
            "address",
            "phone",
            "commune",
            "language",
            "show_name_as_backer",
            *ORGANISATION_FIELDS,
        )
        labels = {
            "in_directory": _("Appear in the public directory"),
            "directory_shows_address": _("Show my address in the directory"),
            "directory_shows_phone": _("Show my phone in the directory"),
            "show_name_as_backer": _("Show my name on the campaigns I back (by default)"),
        }
        help_texts = {
            "show_name_as_backer": _(
                "Unticked, a pledge of yours shows “anonymous backer”; you can still choose for each pledge."
            ),
            "opening_hours": _("e.g. Tue–Sat 7 am–7 pm"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.kind == Member.Kind.INDIVIDUAL:
            for name in ORGANISATION_FIELDS:
                del self.fields[name]
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"
        if "description" in self.fields:
            self.fields["description"].widget.attrs["rows"] = 4

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class IbanForm(forms.Form):
    iban = forms.CharField(label="IBAN", max_length=42, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    bic = forms.CharField(
        label="BIC", max_length=11, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
