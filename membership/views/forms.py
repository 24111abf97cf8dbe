"""The forms of the staff's member pages: a new member, a file of members to import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from currency.models import Comptoir, Conversion
from currency.views.forms_comptoir import IdempotentForm
from members.models import Commune, Member
from members.picker import MemberField

from ..member_import import MAX_BYTES


class MemberCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of member"), choices=Member.Kind.choices, initial=Member.Kind.INDIVIDUAL, widget=forms.RadioSelect
    )
    display_name = forms.CharField(
        label=_("Name"), max_length=150, help_text=_("First and last name, or the name of the business or association.")
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        validators=[RegexValidator(r"^[\w.@+-]+\Z", _("Letters, digits and @/./+/-/_ only."))],
        help_text=_("Optional: made from the name if left empty (e.g. marie.dupont)."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("The new member receives here a link to choose their password; nobody else ever sees it."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Outside the territory")
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    siren = forms.CharField(
        label="SIREN", max_length=20, required=False, help_text=_("Businesses and associations: 9 digits.")
    )
    siret = forms.CharField(
        label="SIRET", max_length=25, required=False, help_text=_("Businesses and associations: 14 digits.")
    )
    vat_number = forms.CharField(
        label=_("Intra-community VAT number"),
        max_length=20,
        required=False,
        help_text=_("Businesses, if they have one: FR…"),
    )
    rna = forms.CharField(
        label="RNA", max_length=20, required=False, help_text=_("Associations: W followed by 9 digits.")
    )


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("At most 2 MB and 1,000 members; separated by ; or , (UTF-8 or Windows)."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it into several files."))
        return upload.read()


class MembershipAtComptoirForm(IdempotentForm):
    """A membership fee paid in euros at an exchange office, recorded by one of its clerks."""

    comptoir = forms.ModelChoiceField(label=_("Exchange office"), queryset=Comptoir.objects.none(), empty_label=None)
    member = MemberField(label=_("Member"))
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=Conversion.PaymentMethod.choices)

    def __init__(self, *args: Any, comptoirs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["comptoir"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = comptoirs if comptoirs is not None else Comptoir.objects.none()
