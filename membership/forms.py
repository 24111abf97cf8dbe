"""The sign-up form and the staff's decision forms (labels and errors in the reader's language)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from members.models import Commune, Member

from .signup import SignupData, signup_identity_clean

OUTSIDE = "outside"


class SignupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("You join as"),
        choices=[
            (Member.Kind.INDIVIDUAL, _("a resident")),
            (Member.Kind.BUSINESS, _("a business")),
            (Member.Kind.ASSOCIATION, _("an association")),
        ],
        initial=Member.Kind.INDIVIDUAL,
        widget=forms.RadioSelect,
    )
    display_name = forms.CharField(
        label=_("Your name (or the legal name of the business or association)"), max_length=150
    )
    email = forms.EmailField(label=_("E-mail address"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    commune = forms.ChoiceField(label=_("Commune"))
    address = forms.CharField(label=_("Address (optional)"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)
    siren = forms.CharField(label=_("SIREN (businesses)"), max_length=20, required=False)
    siret = forms.CharField(label=_("SIRET (businesses, optional)"), max_length=20, required=False)
    vat_number = forms.CharField(label=_("VAT number (businesses, optional)"), max_length=20, required=False)
    rna = forms.CharField(label=_("RNA number (associations)"), max_length=20, required=False)
    accept_terms = forms.BooleanField(label=_("I accept the terms of use"))
    accept_privacy = forms.BooleanField(label=_("I have read the privacy notice"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("Choose your commune"))]
        choices += [(str(commune.pk), str(commune)) for commune in Commune.objects.order_by("name")]
        if settings.BOCAGE_SIGNUP_OUTSIDE_TERRITORY:
            choices.append((OUTSIDE, _("Outside the territory")))
        self.fields["commune"].choices = choices
        for name in ("display_name", "email"):
            self.fields[name].widget.attrs["autocomplete"] = {"display_name": "name", "email": "email"}[name]
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        # static/js/signup-kind.js shows each number only for its kind of member.
        numbers = {"siren": "business", "siret": "business", "vat_number": "business", "rna": "association"}
        for name, kind in numbers.items():
            self.fields[name].widget.attrs["data-for-kind"] = kind

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            someone = get_user_model()(username=cleaned.get("email", ""), email=cleaned.get("email", ""))
            try:
                validate_password(password1, user=someone)
            except ValidationError as exc:
                self.add_error("password1", exc)
        kind = cleaned.get("kind")
        if kind:
            numbers = {field: cleaned.get(field, "") for field in ("siren", "siret", "vat_number", "rna")}
            try:
                cleaned.update({field: "" for field in numbers}, **signup_identity_clean(kind=kind, numbers=numbers))
            except InvalidInput as exc:
                for field, errors in (exc.fields or {}).items():
                    for error in errors:
                        self.add_error(field if field in self.fields else None, error)
        return cleaned

    def data_object(self) -> SignupData:
        cleaned = self.cleaned_data
        commune_id = cleaned["commune"]
        return SignupData(
            kind=cleaned["kind"],
            display_name=cleaned["display_name"],
            email=cleaned["email"],
            password=cleaned["password1"],
            commune=None if commune_id == OUTSIDE else Commune.objects.get(pk=commune_id),
            address=cleaned["address"],
            phone=cleaned["phone"],
            siren=cleaned.get("siren", ""),
            siret=cleaned.get("siret", ""),
            vat_number=cleaned.get("vat_number", ""),
            rna=cleaned.get("rna", ""),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class LeaveForm(forms.Form):
    """Leaving: the password again (re-authentication) and an explicit confirmation."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account will be closed and my personal data erased, and that this cannot be undone."
        )
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not right."))
        return password
