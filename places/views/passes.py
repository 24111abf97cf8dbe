"""Plans and carnets on the site: a confirmation page before subscribing or buying (what you get,
the price, how often it is paid, the first payment now), and "Mes forfaits et carnets" (what is
left, paid until, cancelling a plan)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from members.selectors import member_or_none
from places.selectors.passes import member_passes, pass_offers_on_sale, plans_on_sale, subscription_visible_to
from places.services.carnets import carnet_buy
from places.services.plans import plan_subscribe, subscription_cancel

KEY = re.compile(r"^[0-9a-f]{32}$")


def _member(request: HttpRequest) -> Any:
    member = member_or_none(request.user)
    if member is None:
        raise Http404
    return member


def _key(request: HttpRequest) -> str:
    """The form's one-time key (a retry of the same form pays once); a new one when missing."""
    key = request.POST.get("idempotency_key", "")
    return key if KEY.match(key) else uuid.uuid4().hex


@login_required
def plan_subscribe_page(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plans_on_sale().filter(pk=pk).first()
    if plan is None:
        raise Http404
    member = _member(request)
    status = 200
    if request.method == "POST":
        try:
            plan_subscribe(
                plan=plan, member=member, actor=request.user, idempotency_key=f"page:{request.user.pk}:{_key(request)}"
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            status = 422
        else:
            messages.success(request, _("Subscribed to %(plan)s: the first period is paid.") % {"plan": plan.name})
            return redirect("my-passes")
    return render(
        request,
        "places/plan_subscribe.html",
        {"plan": plan, "idempotency_key": uuid.uuid4().hex, "today": timezone.localdate()},
        status=status,
    )


@login_required
def carnet_buy_page(request: HttpRequest, pk: int) -> HttpResponse:
    offer = pass_offers_on_sale().filter(pk=pk).first()
    if offer is None:
        raise Http404
    member = _member(request)
    status = 200
    if request.method == "POST":
        try:
            carnet_buy(
                offer=offer,
                member=member,
                actor=request.user,
                idempotency_key=f"page:{request.user.pk}:{_key(request)}",
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            status = 422
        else:
            messages.success(request, _("Carnet bought: %(offer)s.") % {"offer": offer.name})
            return redirect("my-passes")
    return render(
        request, "places/carnet_buy.html", {"offer": offer, "idempotency_key": uuid.uuid4().hex}, status=status
    )


@login_required
def my_passes(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    return render(request, "places/my_passes.html", {"mine": member_passes(member)})


@login_required
def subscription_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        subscription = subscription_visible_to(request.user, pk)
    except NotFound:
        raise Http404 from None
    if subscription.member.user_id != request.user.pk:
        raise Http404
    if request.method == "POST":
        try:
            subscription = subscription_cancel(subscription=subscription, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("Plan cancelled: nothing more will be taken; it stays usable until its paid days end.")
            )
        return redirect("my-passes")
    if subscription.end is not None or subscription.status != subscription.Status.ACTIVE:
        messages.error(request, _("This plan has already ended or been cancelled."))
        return redirect("my-passes")
    return render(request, "places/subscription_cancel.html", {"subscription": subscription})


urlpatterns = [
    path("places/plans/<int:pk>/subscribe/", plan_subscribe_page, name="plan-subscribe"),
    path("places/carnets/<int:pk>/buy/", carnet_buy_page, name="carnet-buy"),
    path("me/passes/", my_passes, name="my-passes"),
    path("me/passes/plans/<int:pk>/cancel/", subscription_cancel_page, name="my-subscription-cancel"),
]
