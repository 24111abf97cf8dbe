"""Public pages of campaigns (the list, a campaign's page) and the member's own list; a sponsor's
matching pool is added from the campaign page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from core.errors import ApplicationError, PermissionDenied
from core.forms import add_service_error
from crowdfunding import selectors
from crowdfunding.models import Campaign, MatchingPool, Pledge
from crowdfunding.selectors import is_moderator
from crowdfunding.services.campaigns import CANCELLABLE_BY_MODERATOR
from crowdfunding.services.pledges import pool_close, pool_create
from crowdfunding.views.forms import CampaignFilterForm, CancelForm, PoolForm
from members.selectors import member_or_none

from ._common import (
    S,
    days_text,
    funding_model_explained,
    pledge_explained,
    pool_rule,
    progress_bar,
    visible,
)

PAGE_SIZE = 12
PUBLIC_BACKERS_SHOWN = 100


def _cards(campaigns: list[Campaign]) -> list[dict[str, Any]]:
    progress = selectors.campaigns_progress(campaigns)
    return [_card(campaign, progress[campaign.pk]) for campaign in campaigns]


def _card(campaign: Campaign, progress: selectors.Progress) -> dict[str, Any]:
    images = list(campaign.images.all())
    return {
        "campaign": campaign,
        "progress": progress,
        "bar": progress_bar(campaign, progress),
        "days": days_text(campaign, progress),
        "image": images[0] if images else None,
    }


def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "status": data["status"],
            "commune_id": data["commune"].pk if data["commune"] else None,
            "query": data["q"].strip(),
        }
    campaigns = selectors.campaign_list(user=request.user, **filters).prefetch_related("images")
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = {key: request.GET[key] for key in ("commune", "q") if request.GET.get(key)}
    current = filters.get("status", "")
    tabs = [
        {
            "label": label,
            "url": "?" + urlencode({**kept, **({"status": value} if value else {})}),
            "current": value == current,
        }
        for value, label in CampaignFilterForm.STATUSES
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crowdfunding/list.html",
        {
            "form": form,
            "page": page,
            "cards": _cards(list(page.object_list)),
            "tabs": tabs,
            "query": query.urlencode(),
        },
    )


def _detail_context(request: HttpRequest, campaign: Campaign, **forms: Any) -> dict[str, Any]:
    user = request.user
    member = member_or_none(user)
    progress = selectors.campaign_progress(campaign)
    is_owner = member is not None and member.pk == campaign.owner_id
    moderator = is_moderator(user)
    pools = list(campaign.matching_pools.select_related("sponsor").order_by("id"))
    active_pool = next((pool for pool in pools if pool.status == MatchingPool.Status.ACTIVE), None)
    my_pledge = selectors.active_pledge_of(user=user, campaign=campaign)
    my_last = None
    if my_pledge is None and member is not None:
        my_last = selectors.pledges_of_backer(user=user).filter(campaign=campaign).first()
    reader = selectors.backer_reader(user)
    backers = [
        {"pledge": pledge, "name": reader.public_name(pledge), "own": pledge.backer_id == reader.member_id}
        for pledge in selectors.campaign_public_backers(campaign)[:PUBLIC_BACKERS_SHOWN]
    ]
    settling = (campaign.is_decided or campaign.status == S.CANCELLED) and (
        progress.pledges_settled < progress.pledges_total
    )
    can_pool = (
        member is not None
        and not is_owner
        and active_pool is None
        and campaign.status in {S.APPROVED, S.LIVE}
        and progress.days_left is not None
    )
    context: dict[str, Any] = {
        "campaign": campaign,
        "progress": progress,
        "bar": progress_bar(campaign, progress),
        "days": days_text(campaign, progress),
        "images": list(campaign.images.all()),
        "tiers": list(campaign.tiers.all()),
        "model_explained": funding_model_explained(campaign),
        "pools": [{"pool": pool, "rule": pool_rule(pool, campaign.unit)} for pool in pools],
        "active_pool": active_pool,
        "backers": backers,
        "more_backers": max(0, progress.backers - PUBLIC_BACKERS_SHOWN),
        "updates": list(campaign.updates.all()[:30]),
        "is_owner": is_owner,
        "is_moderator": moderator,
        "member": member,
        "my_pledge": my_pledge,
        "my_pledge_explained": pledge_explained(my_pledge) if my_pledge else "",
        "my_last": my_last,
        "my_last_explained": pledge_explained(my_last) if my_last else "",
        "can_back": campaign.is_open_for_pledges and not is_owner and my_pledge is None,
        "settling": settling,
        "pool_form": forms.get("pool_form")
        or (
            PoolForm(unit=campaign.unit, initial={"show_name": bool(member and member.show_name_as_backer)})
            if can_pool
            else None
        ),
        "can_cancel": moderator and campaign.status in CANCELLABLE_BY_MODERATOR,
        "can_close_now": moderator
        and (
            settling
            or campaign.status == S.SUCCEEDED
            or (campaign.status in {S.APPROVED, S.LIVE} and progress.days_left is None)
        ),
        "cancel_form": CancelForm(auto_id="cancel-%s"),
        "fee_percent": campaign.fee_rate * 100,
    }
    return context


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = visible(request, pk)
    return render(request, "crowdfunding/detail.html", _detail_context(request, campaign))


@login_required
@require_POST
def campaign_pool_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = visible(request, pk)
    form = PoolForm(request.POST, unit=campaign.unit)
    if form.is_valid():
        data = form.cleaned_data
        member = member_or_none(request.user)
        try:
            if member is None:
                raise PermissionDenied(_("Only members may sponsor a campaign."))
            pool_create(
                campaign=campaign,
                sponsor=member,
                ratio=data["ratio"],
                total_cap=Money(data["total_cap"], campaign.unit),
                per_backer_cap=(
                    Money(data["per_backer_cap"], campaign.unit) if data["per_backer_cap"] is not None else None
                ),
                show_name=data["show_name"],
                actor=request.user,
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Thank you: your matching pool is open; each pledge is matched by your rule."))
            return redirect(reverse("campaign-detail", kwargs={"pk": campaign.pk}) + "#matching")
    context = _detail_context(request, campaign, pool_form=form)
    return render(request, "crowdfunding/detail.html", context, status=422)


@login_required
@require_POST
def campaign_pool_close(request: HttpRequest, pk: int, pool_id: int) -> HttpResponse:
    campaign = visible(request, pk)
    pool = campaign.matching_pools.filter(pk=pool_id).first()
    if pool is None:
        raise Http404
    try:
        pool_close(pool=pool, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The matching pool is closed: the matches already made stand."))
    return redirect("campaign-detail", pk=campaign.pk)


@login_required
def campaign_mine(request: HttpRequest) -> HttpResponse:
    campaigns = _cards(list(selectors.campaigns_of_owner(user=request.user).prefetch_related("images")[:100]))
    pledges: list[Pledge] = list(selectors.pledges_of_backer(user=request.user)[:200])
    return render(
        request,
        "crowdfunding/mine.html",
        {
            "cards": campaigns,
            "pledges": [{"pledge": pledge, "explained": pledge_explained(pledge)} for pledge in pledges],
        },
    )
