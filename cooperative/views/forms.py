"""Forms of the cooperative pages: they parse input; the services decide what the statutes allow."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperative.models import College, Cooperative, ShareClass, Shareholder
from core.amounts import WholeNumberField
from core.dates import DateField
from members.picker import MemberField

MAX_SHARES = 1_000_000


def _date_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return DateField(label=label, required=required, help_text=help_text)


def _quantity_field() -> forms.IntegerField:
    return WholeNumberField(
        label=_("Number of shares"),
        min_value=1,
        max_value=MAX_SHARES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )


def _class_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("Share class"), queryset=ShareClass.objects.none(), empty_label=None)


def _decision_field(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Board decision"),
        max_length=100,
        required=required,
        help_text=_("Its reference, e.g. “CA du 12/03/2026”."),
    )


class DateForm(forms.Form):
    on = _date_field(_("On"), help_text=_("Empty: today."))


class SubscriptionRequestForm(forms.Form):
    share_class = _class_field()
    quantity = _quantity_field()
    college = forms.ModelChoiceField(
        label=_("College you ask to join"),
        queryset=College.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("In the general assembly you vote in this college: one member, one vote."),
    )

    def __init__(self, *args: Any, cooperative: Cooperative, newcomer: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["share_class"].widget = forms.RadioSelect()
        self.fields["share_class"].queryset = cooperative.share_classes.all()  # type: ignore[attr-defined]
        if newcomer:
            self.fields["college"].queryset = cooperative.colleges.all()  # type: ignore[attr-defined]
        else:
            del self.fields["college"]  # a shareholder stays in their college


class RedemptionRequestForm(forms.Form):
    share_class = _class_field()
    quantity = _quantity_field()

    def __init__(self, *args: Any, share_classes: list[ShareClass], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["share_class"].queryset = ShareClass.objects.filter(  # type: ignore[attr-defined]
            pk__in=[share_class.pk for share_class in share_classes]
        )


class ApproveForm(forms.Form):
    board_decision = _decision_field()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the member)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class PayForm(forms.Form):
    paid_on = _date_field(_("Paid on"), help_text=_("Empty: today."))


class CancelMovementForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=255)
    board_decision = _decision_field(required=False)


class AdmitForm(forms.Form):
    WHO = [("member", _("A member of Bocage")), ("legal", _("A legal person known by its SIREN"))]
    who = forms.ChoiceField(label=_("Who"), choices=WHO, initial="member", widget=forms.RadioSelect)
    member = MemberField(label=_("Member"), required=False)
    legal_name = forms.CharField(label=_("Name of the legal person"), max_length=150, required=False)
    siren = forms.CharField(label="SIREN", max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    college = forms.ModelChoiceField(label=_("College"), queryset=College.objects.none(), empty_label=None)
    admitted_on = _date_field(_("Admitted on"), help_text=_("Empty: today."))
    admission_decision = _decision_field(required=False)

    def __init__(self, *args: Any, cooperative: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["college"].queryset = cooperative.colleges.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("who") == "member":
            if not data.get("member"):
                self.add_error("member", _("Choose the member."))
        else:
            if not data.get("legal_name"):
                self.add_error("legal_name", _("Give the name of the legal person."))
            if not data.get("siren"):
                self.add_error("siren", _("Give the SIREN of the legal person."))
        return data


class TransferForm(forms.Form):
    from_shareholder = forms.ModelChoiceField(label=_("From (seller)"), queryset=Shareholder.objects.none())
    to_shareholder = forms.ModelChoiceField(
        label=_("To (buyer)"),
        queryset=Shareholder.objects.none(),
        help_text=_("Only admitted shareholders: admit a newcomer first."),
    )
    share_class = _class_field()
    quantity = _quantity_field()
    board_decision = _decision_field()
    effective_on = _date_field(_("Date"), help_text=_("Empty: today."))

    def __init__(self, *args: Any, cooperative: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shareholders = Shareholder.objects.filter(cooperative=cooperative).select_related("member")
        self.fields["from_shareholder"].queryset = shareholders  # type: ignore[attr-defined]
        self.fields["to_shareholder"].queryset = shareholders.filter(  # type: ignore[attr-defined]
            status=Shareholder.Status.ADMITTED
        )
        self.fields["share_class"].queryset = cooperative.share_classes.all()  # type: ignore[attr-defined]


class TallyForm(forms.Form):
    """Votes per college (for, against, abstentions) and the majority required."""

    MAJORITIES = [("simple", _("Simple majority (more than half)")), ("two_thirds", _("Two-thirds majority"))]
    majority = forms.ChoiceField(label=_("Majority required"), choices=MAJORITIES, initial="simple")

    def __init__(self, *args: Any, colleges: list[College], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.colleges = colleges
        for college in colleges:
            for vote, label in (("for", _("For")), ("against", _("Against")), ("abstain", _("Abstentions"))):
                self.fields[f"{vote}_{college.pk}"] = WholeNumberField(
                    label=label,
                    min_value=0,
                    max_value=MAX_SHARES,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
                )

    def votes(self) -> dict[int, dict[str, int]]:
        return {
            college.pk: {
                vote: self.cleaned_data.get(f"{vote}_{college.pk}") or 0 for vote in ("for", "against", "abstain")
            }
            for college in self.colleges
        }

    def rows(self) -> list[dict[str, Any]]:
        """The fields grouped per college, for a table."""
        return [
            {"college": college, "fields": [self[f"{vote}_{college.pk}"] for vote in ("for", "against", "abstain")]}
            for college in self.colleges
        ]
