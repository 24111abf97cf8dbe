"""The owner writes a campaign: create, edit the draft, its rewards and images, submit it."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from cooperative.selectors import can_administer
from core.errors import ApplicationError, PermissionDenied
from core.forms import add_service_error
from crowdfunding.models import Campaign, RewardTier
from crowdfunding.services.campaigns import (
    campaign_create as campaign_create_service,
)
from crowdfunding.services.campaigns import (
    campaign_image_add,
    campaign_image_remove,
    campaign_submit,
    campaign_update,
)
from crowdfunding.services.tiers import tier_create, tier_delete, tier_update
from crowdfunding.views.forms import CampaignForm, ImageForm, ShareCampaignForm, TierForm
from ledger.units import get_unit
from members.selectors import member_or_none

from ._common import S, owned

IMAGE_STATUSES = {S.DRAFT, S.SUBMITTED, S.APPROVED, S.LIVE}


def _campaign_fields(data: dict[str, Any]) -> dict[str, Any]:
    unit = data["unit"]
    stretch = data["stretch_goal"]
    return {
        "title": data["title"],
        "summary": data["summary"],
        "story": data["story"],
        "unit": unit,
        "goal": Money(data["goal"], unit),
        "stretch_goal": Money(stretch, unit) if stretch is not None else None,
        "starts_at": data["starts_at"],
        "deadline": data["deadline"],
        "funding_model": data["funding_model"],
    }


def _tier_fields(data: dict[str, Any], unit: str) -> dict[str, Any]:
    return {
        "title": data["title"],
        "description": data["description"],
        "minimum": Money(data["minimum"], unit),
        "stock": data["stock"],
        "estimated_delivery": data["estimated_delivery"],
    }


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    start = timezone.localtime().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    initial = {"unit": settings.BOCAGE_LOCAL_UNIT, "starts_at": start, "deadline": start + datetime.timedelta(days=30)}
    form_class = ShareCampaignForm if can_administer(request.user) else CampaignForm
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        member = member_or_none(request.user)
        shares = {
            name: form.cleaned_data[name] for name in ("share_class", "share_college") if form.cleaned_data.get(name)
        }
        try:
            if member is None:
                raise PermissionDenied(_("Only members start campaigns."))
            campaign = campaign_create_service(
                owner=member,
                commune=form.cleaned_data["commune"],
                actor=request.user,
                **_campaign_fields(form.cleaned_data),
                **shares,
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Your draft is saved. Add rewards and images, then submit it to the moderators.")
            )
            return redirect("campaign-edit", pk=campaign.pk)
    return render(
        request, "crowdfunding/form.html", {"form": form, "campaign": None}, status=422 if form.errors else 200
    )


def _edit_page(request: HttpRequest, campaign: Campaign, status: int = 200, **forms: Any) -> HttpResponse:
    unit = get_unit(campaign.unit)
    initial = {
        "title": campaign.title,
        "summary": campaign.summary,
        "story": campaign.story,
        "commune": campaign.commune_id,
        "unit": campaign.unit,
        "goal": unit.to_decimal(campaign.goal),
        "stretch_goal": unit.to_decimal(campaign.stretch_goal) if campaign.stretch_goal else None,
        "starts_at": timezone.localtime(campaign.starts_at),
        "deadline": timezone.localtime(campaign.deadline),
        "funding_model": campaign.funding_model,
    }
    draft = campaign.status == S.DRAFT
    context = {
        "campaign": campaign,
        "draft": draft,
        "form": forms.get("form") or (CampaignForm(initial=initial) if draft else None),
        "tiers": list(campaign.tiers.all()),
        "tier_form": forms.get("tier_form") or TierForm(auto_id="tier-%s", unit=campaign.unit),
        "images": list(campaign.images.all()),
        "image_form": forms.get("image_form") or ImageForm(auto_id="image-%s"),
        "images_editable": campaign.status in IMAGE_STATUSES,
    }
    return render(request, "crowdfunding/edit.html", context, status=status)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = owned(request, pk)
    if request.method != "POST":
        return _edit_page(request, campaign)
    form = CampaignForm(request.POST)
    if form.is_valid():
        fields = _campaign_fields(form.cleaned_data)
        # Empty means the owner's commune, as when the campaign was created.
        fields["commune"] = form.cleaned_data["commune"] or campaign.owner.commune
        try:
            campaign_update(campaign=campaign, actor=request.user, **fields)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect("campaign-edit", pk=campaign.pk)
    return _edit_page(request, campaign, status=422, form=form)


@login_required
@require_POST
def campaign_submit_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = owned(request, pk)
    try:
        campaign_submit(campaign=campaign, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        for errors in (exc.fields or {}).values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("campaign-edit", pk=campaign.pk)
    messages.success(request, _("Your campaign is sent to the moderators; you will hear from them by e-mail."))
    return redirect("campaign-detail", pk=campaign.pk)


def _tier(campaign: Campaign, tier_id: int) -> RewardTier:
    tier = campaign.tiers.filter(pk=tier_id).first()
    if tier is None:
        raise Http404
    return tier


@login_required
@require_POST
def campaign_tier_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = owned(request, pk)
    form = TierForm(request.POST, auto_id="tier-%s", unit=campaign.unit)
    if form.is_valid():
        try:
            tier_create(campaign=campaign, actor=request.user, **_tier_fields(form.cleaned_data, campaign.unit))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The reward is added."))
            return redirect(reverse("campaign-edit", kwargs={"pk": campaign.pk}) + "#tiers")
    return _edit_page(request, campaign, status=422, tier_form=form)


@login_required
def campaign_tier_edit(request: HttpRequest, pk: int, tier_id: int) -> HttpResponse:
    campaign = owned(request, pk)
    tier = _tier(campaign, tier_id)
    unit = get_unit(campaign.unit)
    initial = {
        "title": tier.title,
        "description": tier.description,
        "minimum": unit.to_decimal(tier.minimum),
        "stock": tier.stock,
        "estimated_delivery": tier.estimated_delivery,
    }
    form = TierForm(request.POST or None, initial=initial, unit=campaign.unit)
    if request.method == "POST" and form.is_valid():
        try:
            tier_update(tier=tier, actor=request.user, **_tier_fields(form.cleaned_data, campaign.unit))
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The reward is saved."))
            return redirect(reverse("campaign-edit", kwargs={"pk": campaign.pk}) + "#tiers")
    return render(
        request,
        "crowdfunding/tier_form.html",
        {"campaign": campaign, "tier": tier, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def campaign_tier_delete(request: HttpRequest, pk: int, tier_id: int) -> HttpResponse:
    campaign = owned(request, pk)
    tier = _tier(campaign, tier_id)
    try:
        tier_delete(tier=tier, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The reward “%(title)s” is removed.") % {"title": tier.title})
    return redirect(reverse("campaign-edit", kwargs={"pk": campaign.pk}) + "#tiers")


@login_required
@require_POST
def campaign_image_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = owned(request, pk)
    form = ImageForm(request.POST, request.FILES, auto_id="image-%s")
    if form.is_valid():
        try:
            campaign_image_add(
                campaign=campaign,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
                actor=request.user,
            )
        except ApplicationError as exc:
            add_service_error(form, exc, {exc.code: "image"})
        else:
            messages.success(request, _("The image is added."))
            return redirect(reverse("campaign-edit", kwargs={"pk": campaign.pk}) + "#images")
    return _edit_page(request, campaign, status=422, image_form=form)


@login_required
@require_POST
def campaign_image_delete(request: HttpRequest, pk: int, image_id: int) -> HttpResponse:
    campaign = owned(request, pk)
    image = campaign.images.filter(pk=image_id).first()
    if image is None:
        raise Http404
    try:
        campaign_image_remove(image=image, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The image is removed."))
    return redirect(reverse("campaign-edit", kwargs={"pk": campaign.pk}) + "#images")
