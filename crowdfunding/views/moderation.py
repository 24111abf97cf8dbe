"""The moderators' queue (staff only; 404 for everyone else): approve, send back or cancel the
submitted campaigns; finish closing those whose payout was refused."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from core.forms import add_service_error
from core.queueing import enqueue_on_commit
from crowdfunding import selectors
from crowdfunding.models import Campaign
from crowdfunding.selectors import is_moderator
from crowdfunding.services.campaigns import campaign_approve, campaign_cancel, campaign_send_back
from crowdfunding.tasks import campaign_close_now
from crowdfunding.views.forms import ApproveForm, CancelForm, SendBackForm

from ._common import S, redirect_next


def _require_moderator(request: HttpRequest) -> None:
    if not is_moderator(request.user):
        raise Http404


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    try:
        return selectors.campaign_get_visible(user=request.user, campaign_id=pk)
    except NotFound:
        raise Http404 from None


def _forms(campaign: Campaign, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
    # One set of forms per campaign on the page: distinct ids keep every label tied to its field.
    return {
        "approve": bound.get("approve") or ApproveForm(auto_id=f"approve-{campaign.pk}-%s"),
        "send_back": bound.get("send_back") or SendBackForm(auto_id=f"send-back-{campaign.pk}-%s"),
        "cancel": bound.get("cancel") or CancelForm(auto_id=f"cancel-{campaign.pk}-%s"),
    }


def _queue_page(request: HttpRequest, *, status: int = 200, bound_for: int | None = None, **bound: Any) -> HttpResponse:
    queue = list(selectors.moderation_queue())
    submitted = [
        {"campaign": campaign, **_forms(campaign, bound if campaign.pk == bound_for else {})}
        for campaign in queue
        if campaign.status == S.SUBMITTED
    ]
    refused = [campaign for campaign in queue if campaign.status == S.SUCCEEDED and campaign.payout_error]
    return render(
        request, "crowdfunding/moderation.html", {"submitted": submitted, "payout_refused": refused}, status=status
    )


@login_required
def campaign_moderation(request: HttpRequest) -> HttpResponse:
    _require_moderator(request)
    return _queue_page(request)


def _after(request: HttpRequest) -> Any:
    return redirect_next(request, reverse("campaign-moderation"))


def _refused(request: HttpRequest, campaign: Campaign, name: str, form: forms.Form) -> HttpResponse:
    """A refused action: shown on the queue's form, or as a message on the page it came from."""
    if request.POST.get("next"):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _after(request)
    return _queue_page(request, status=422, bound_for=campaign.pk, **{name: form})


@login_required
@require_POST
def campaign_approve_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    campaign = _campaign(request, pk)
    form = ApproveForm(request.POST, auto_id=f"approve-{campaign.pk}-%s")
    if form.is_valid():
        try:
            approved = campaign_approve(
                campaign=campaign,
                actor=request.user,
                fee_rate=form.cleaned_data["fee_rate"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if approved.status == S.LIVE:
                messages.success(request, _("“%(title)s” is approved and live.") % {"title": approved.title})
            else:
                messages.success(
                    request, _("“%(title)s” is approved; it opens on its start date.") % {"title": approved.title}
                )
            return _after(request)
    return _refused(request, campaign, "approve", form)


@login_required
@require_POST
def campaign_send_back_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    campaign = _campaign(request, pk)
    form = SendBackForm(request.POST, auto_id=f"send-back-{campaign.pk}-%s")
    if form.is_valid():
        try:
            campaign_send_back(campaign=campaign, actor=request.user, comment=form.cleaned_data["comment"])
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("“%(title)s” is sent back to its owner.") % {"title": campaign.title})
            return _after(request)
    return _refused(request, campaign, "send_back", form)


@login_required
@require_POST
def campaign_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    campaign = _campaign(request, pk)
    form = CancelForm(request.POST, auto_id=f"cancel-{campaign.pk}-%s")
    if form.is_valid():
        try:
            campaign_cancel(campaign=campaign, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("“%(title)s” is cancelled; every pledge is released.") % {"title": campaign.title}
            )
            return _after(request)
    return _refused(request, campaign, "cancel", form)


@login_required
@require_POST
def campaign_close_now_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the closing task rather than closing here: with many pledges it outlasts a request,
    and the task is the one the beat runs (safe twice); the campaign page shows its progress."""
    _require_moderator(request)
    campaign = _campaign(request, pk)
    enqueue_on_commit(campaign_close_now, campaign.pk)
    messages.success(
        request, _("Closing “%(title)s” is queued; its page shows the progress.") % {"title": campaign.title}
    )
    return _after(request)
