"""Backing a campaign: choose a reward and an amount, change the pledge, withdraw it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from core.errors import ApplicationError, PermissionDenied
from core.forms import add_service_error
from crowdfunding import selectors
from crowdfunding.models import Campaign, Pledge, RewardTier
from crowdfunding.services.pledges import pledge_change, pledge_create, pledge_withdraw
from crowdfunding.views.forms import PledgeForm, WithdrawForm
from ledger.models import Account
from ledger.selectors import accounts_visible_to
from ledger.units import get_unit
from members.selectors import member_or_none

from ._common import fmt, hold_explained, visible, when

# Refusals that are about the amount typed (the rest are shown above the form).
AMOUNT_ERRORS = {"insufficient_funds", "limit_exceeded", "invalid_amount", "unit_mismatch"}
FIELD_FOR = {code: "amount" for code in AMOUNT_ERRORS} | {"tier_sold_out": "tier"}


def _account(request: HttpRequest, campaign: Campaign) -> Account | None:
    member = member_or_none(request.user)
    if member is None:
        return None
    return accounts_visible_to(request.user).filter(kind=Account.Kind.MEMBER, holder=member, unit=campaign.unit).first()


def _initial(
    request: HttpRequest, campaign: Campaign, tiers: list[RewardTier], pledge: Pledge | None
) -> dict[str, Any]:
    unit = get_unit(campaign.unit)
    if pledge is not None:
        return {
            "pledge": pledge.pk,
            "tier": pledge.tier_id,
            "amount": unit.to_decimal(pledge.amount),
            "show_name": not pledge.anonymous,
        }
    # A new pledge shows the name only if the member chose so on their profile (private by default).
    member = member_or_none(request.user)
    initial: dict[str, Any] = {"show_name": bool(member and member.show_name_as_backer)}
    chosen = next((tier for tier in tiers if str(tier.pk) == request.GET.get("tier")), None)
    if chosen is not None:
        initial.update(tier=chosen.pk, amount=unit.to_decimal(chosen.minimum))
    return initial


def _options(
    form: PledgeForm, campaign: Campaign, tiers: list[RewardTier], pledge: Pledge | None
) -> list[dict[str, Any]]:
    """The rewards as radio buttons: a sold-out one is disabled, unless it is the backer's own."""
    unit = get_unit(campaign.unit)
    selected = form["tier"].value()
    selected = "" if selected in (None, "") else str(selected)
    options = []
    for tier in tiers:
        own = pledge is not None and pledge.tier_id == tier.pk
        options.append(
            {
                "tier": tier,
                "value": str(tier.pk),
                "checked": selected == str(tier.pk),
                "sold_out": tier.remaining == 0 and not own,
                "own": own,
                # As the amount field shows it ("10,00"): choosing the reward puts its minimum there.
                "minimum_input": formats.number_format(unit.to_decimal(tier.minimum), use_l10n=True),
            }
        )
    return options


def _save(request: HttpRequest, campaign: Campaign, form: PledgeForm, tiers: list[RewardTier]) -> Pledge:
    data = form.cleaned_data
    # The form's choices are this campaign's rewards, so a tier given is one of them.
    tier = next((tier for tier in tiers if tier.pk == data["tier"]), None)
    amount = Money(data["amount"], campaign.unit)
    member = member_or_none(request.user)
    if member is None:
        raise PermissionDenied(_("Only members back campaigns."))
    if data["pledge"]:
        # The form changes the pledge it was opened for: a stale copy never touches a newer one.
        pledge = selectors.pledge_get_visible(user=request.user, pledge_id=data["pledge"], campaign_id=campaign.pk)
        return pledge_change(
            pledge=pledge, amount=amount, tier=tier, anonymous=not data["show_name"], actor=request.user
        )
    # Resending the form of a pledge already made is refused by the service (already_pledged).
    return pledge_create(
        campaign=campaign, backer=member, amount=amount, tier=tier, anonymous=not data["show_name"], actor=request.user
    )


@login_required
def campaign_back(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = visible(request, pk)
    tiers = list(campaign.tiers.all())
    pledge = selectors.active_pledge_of(user=request.user, campaign=campaign)
    form = PledgeForm(
        request.POST or None, initial=_initial(request, campaign, tiers, pledge), tiers=tiers, unit=campaign.unit
    )
    if request.method == "POST" and form.is_valid():
        changing = bool(form.cleaned_data["pledge"])
        try:
            saved = _save(request, campaign, form, tiers)
        except ApplicationError as exc:
            add_service_error(form, exc, FIELD_FOR)
        else:
            params = {"amount": fmt(saved.amount, saved.unit), "deadline": when(campaign.deadline)}
            if changing:
                messages.success(
                    request, _("Your pledge is changed: %(amount)s is now held until %(deadline)s.") % params
                )
            else:
                messages.success(
                    request, _("Thank you! %(amount)s is held on your account until %(deadline)s.") % params
                )
            return redirect("campaign-detail", pk=campaign.pk)
    return render(
        request,
        "crowdfunding/back.html",
        {
            "campaign": campaign,
            "form": form,
            "options": _options(form, campaign, tiers, pledge),
            "pledge": pledge,
            "account": _account(request, campaign),
            "hold_explained": hold_explained(campaign),
            "withdraw_form": WithdrawForm(initial={"pledge": pledge.pk}) if pledge else None,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def campaign_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = visible(request, pk)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise PermissionDenied(_("Choose the pledge to withdraw."))
        pledge = selectors.pledge_get_visible(
            user=request.user, pledge_id=form.cleaned_data["pledge"], campaign_id=campaign.pk
        )
        withdrawn = pledge_withdraw(pledge=pledge, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Your pledge is withdrawn: the %(amount)s held are released.")
            % {"amount": fmt(withdrawn.amount, withdrawn.unit)},
        )
    return redirect("campaign-detail", pk=campaign.pk)
