"""Forms of the crowdfunding pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cooperative.models import College, ShareClass
from core.amounts import AmountField, AmountsInUnitForm
from core.dates import DateField
from crowdfunding.models import Campaign, RewardTier
from ledger.units import get_unit
from members.models import Commune

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def _amount_field(label: Any, *, required: bool = True, help_text: Any = "") -> AmountField:
    # Durations ("1 h 30") are read, and AmountsInUnitForm refuses them unless the unit is hours.
    return AmountField(label=label, required=required, hours=True, help_text=help_text)


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )


def _unit_choices() -> list[tuple[str, str]]:
    return [(code, f"{get_unit(code).name} ({code})") for code in settings.BOCAGE_CAMPAIGN_UNITS]


class CampaignFilterForm(forms.Form):
    STATUSES = [
        ("", _("All campaigns")),
        ("live", _("Live now")),
        ("upcoming", _("Coming soon")),
        ("succeeded", _("Successful")),
        ("failed", _("Unsuccessful")),
    ]
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("Every commune")
    )
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class CampaignForm(AmountsInUnitForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"), max_length=300, help_text=_("One or two sentences, shown on the list of campaigns.")
    )
    story = forms.CharField(
        label=_("Story"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Plain text (a blank line starts a new paragraph); bold, italics, lists and links are kept."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.all(), required=False, empty_label=_("My commune")
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=_unit_choices)
    goal = _amount_field(_("Goal"))
    stretch_goal = _amount_field(
        _("Stretch goal"), required=False, help_text=_("Optional: a second goal, above the first.")
    )
    starts_at = _datetime_field(_("Starts at"))
    deadline = _datetime_field(_("Deadline"))
    funding_model = forms.ChoiceField(
        label=_("Funding model"),
        choices=Campaign.Model.choices,
        initial=Campaign.Model.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
        help_text=_(
            "All or nothing: if the goal is not reached by the deadline, nothing is taken from the backers. "
            "Keep it all: every pledge is collected at the deadline, whatever the total."
        ),
    )


class _OfCooperative(forms.ModelChoiceField):
    """Names a class or college with its cooperative (there may be several)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.cooperative.name} — {obj}"


class ShareCampaignForm(CampaignForm):
    """For register administrators: the campaign may raise a cooperative's shares instead of gifts."""

    share_class = _OfCooperative(
        label=_("Raise cooperative shares"),
        queryset=ShareClass.objects.select_related("cooperative"),
        required=False,
        empty_label=_("No: a campaign of gifts"),
        help_text=_("Pledges are then whole shares, in euros; on success each becomes a subscription request."),
    )
    share_college = _OfCooperative(
        label=_("College for new shareholders"), queryset=College.objects.select_related("cooperative"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ChoiceField)
        unit.choices = [*_unit_choices(), ("EUR", f"{get_unit('EUR').name} (EUR)")]


class TierForm(AmountsInUnitForm):
    title = forms.CharField(label=_("Reward"), max_length=120)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minimum = _amount_field(_("Minimum pledge"))
    stock = forms.IntegerField(
        label=_("Stock"), required=False, min_value=1, max_value=100000, help_text=_("Empty: unlimited.")
    )
    estimated_delivery = DateField(label=_("Estimated delivery"), required=False)


class ImageForm(forms.Form):
    image = forms.FileField(
        label=_("Image"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG, GIF or WebP; it is resized."),
    )
    alt_text = forms.CharField(
        label=_("Description of the image"),
        max_length=200,
        required=False,
        help_text=_("For people who cannot see it, e.g. “the workshop’s workbench, with tools on the wall”."),
    )


class PledgeForm(AmountsInUnitForm):
    """Back a campaign or change one's pledge; `pledge` says which (resent forms create nothing twice)."""

    pledge = forms.IntegerField(required=False, widget=forms.HiddenInput)
    tier = forms.TypedChoiceField(label=_("Reward"), required=False, coerce=int, empty_value=None)
    amount = _amount_field(_("Amount"))
    # Consent to be named (RGPD): unticked by default; the pledge stays `anonymous` without it.
    show_name = forms.BooleanField(
        label=_("Show my name on the campaign page"),
        required=False,
        help_text=_(
            "Unticked, everyone but you sees “Anonymous” in your place. Ticked, the project’s team also sees "
            "your commune and e-mail, to deliver your reward. Anonymous with a reward, the team sees your name "
            "and commune only, to deliver it, never your e-mail; anonymous without a reward, neither."
        ),
    )

    def __init__(self, *args: Any, tiers: list[RewardTier], unit: str, **kwargs: Any) -> None:
        super().__init__(*args, unit=unit, **kwargs)
        self.fields["amount"].help_text = _("In %(unit)s; at least the chosen reward’s minimum.") % {"unit": unit}
        self.fields["tier"].choices = [("", _("No reward")), *[(str(tier.pk), tier.title) for tier in tiers]]  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    pledge = forms.IntegerField(widget=forms.HiddenInput)


class PoolForm(AmountsInUnitForm):
    ratio = AmountField(
        label=_("For each unit pledged, I add"),
        decimals=3,
        initial=1,
        help_text=_("1 = one for one; 0,5 = half."),
    )
    per_backer_cap = _amount_field(_("At most per backer"), required=False, help_text=_("Empty: no cap per backer."))
    total_cap = _amount_field(_("At most in all"))
    show_name = forms.BooleanField(
        label=_("Show my name as the sponsor on the campaign's page"),
        required=False,
        help_text=_("Otherwise the page says “a sponsor”."),
    )


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(
        label=_("Text"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Every backer receives it by e-mail."),
    )


class ApproveForm(forms.Form):
    fee_rate = AmountField(
        label=_("Platform fee rate"),
        required=False,
        decimals=4,
        help_text=_("e.g. 0,03 for 3 percent; empty: the campaign’s current rate."),
    )
    comment = forms.CharField(
        label=_("Comment to the owner"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the owner change?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling (shown on the campaign page)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
