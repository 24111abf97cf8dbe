"""What the crowdfunding pages share: finding objects (404 for what one may not see), placing
service refusals on forms, and the sentences that explain amounts, rules and outcomes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import NotFound
from crowdfunding.models import Campaign, MatchingPool, Pledge
from crowdfunding.selectors import Progress, campaign_get_owned, campaign_get_visible
from ledger.units import get_unit

S = Campaign.Status


def visible(request: HttpRequest, pk: int) -> Campaign:
    try:
        return campaign_get_visible(user=request.user, campaign_id=pk)
    except NotFound:
        raise Http404 from None


def owned(request: HttpRequest, pk: int) -> Campaign:
    """The campaign for its owner and the moderators; 404 for everyone else."""
    try:
        return campaign_get_owned(user=request.user, campaign_id=pk)
    except NotFound:
        raise Http404 from None


def redirect_next(request: HttpRequest, default: str) -> Any:
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return redirect(target)


def when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def fmt(minor: int | None, unit: str) -> str:
    return get_unit(unit).format(minor)


@dataclass(frozen=True)
class Bar:
    """The progress bar's drawing: the filled width, and where the goal sits when the bar runs to
    the stretch goal (both in % of the bar's width)."""

    fill: int
    goal_mark: int | None


def progress_bar(campaign: Campaign, progress: Progress) -> Bar:
    if campaign.stretch_goal:
        fill = min(100, progress.pledged * 100 // campaign.stretch_goal)
        return Bar(fill=fill, goal_mark=campaign.goal * 100 // campaign.stretch_goal)
    return Bar(fill=progress.bar_percent, goal_mark=None)


def days_text(campaign: Campaign, progress: Progress) -> str:
    """ "12 days left", "Last day", "Opens on …", "Ended on …"."""
    day = formats.date_format(timezone.localtime(campaign.deadline), "SHORT_DATE_FORMAT")
    if campaign.status in {S.DRAFT, S.SUBMITTED}:
        return _("Would run until %(date)s") % {"date": day}
    if campaign.status in {S.APPROVED, S.LIVE} and progress.days_left is not None:
        if campaign.starts_at > timezone.now():
            start = formats.date_format(timezone.localtime(campaign.starts_at), "SHORT_DATE_FORMAT")
            return _("Opens on %(date)s") % {"date": start}
        if progress.days_left == 0:
            return _("Last day")
        return ngettext("%(days)d day left", "%(days)d days left", progress.days_left) % {"days": progress.days_left}
    if campaign.status == S.CANCELLED:
        return _("Cancelled")
    return _("Ended on %(date)s") % {"date": day}


def funding_model_explained(campaign: Campaign) -> str:
    if campaign.funding_model == Campaign.Model.ALL_OR_NOTHING:
        return _(
            "If the goal is not reached by the deadline, nothing is taken: every pledge is released. "
            "If it is reached, every pledge is collected at the deadline."
        )
    return _(
        "Every pledge is collected at the deadline, even if the goal is not reached. "
        "Nothing is taken before the deadline."
    )


def hold_explained(campaign: Campaign) -> str:
    params = {"deadline": when(campaign.deadline)}
    if campaign.share_class is not None:
        share_params = {
            "deadline": when(campaign.deadline),
            "cooperative": campaign.share_class.cooperative.name,
            "nominal": get_unit(campaign.unit).format(campaign.share_class.nominal_value),
        }
        return (
            _(
                "This campaign raises shares of %(cooperative)s (%(nominal)s each). Nothing is held: if it "
                "succeeds on %(deadline)s, your pledge becomes a subscription request to the cooperative's board, "
                "paid by transfer or cheque once approved."
            )
            % share_params
        )
    if campaign.funding_model == Campaign.Model.ALL_OR_NOTHING:
        return (
            _("The amount is held on your account until %(deadline)s; it is taken only if the campaign succeeds.")
            % params
        )
    return _("The amount is held on your account until %(deadline)s, then collected (keep it all).") % params


def pool_rule(pool: MatchingPool, unit_code: str) -> str:
    """The sponsor's rule in words: "X adds 1 ACH for each 1 ACH pledged, up to …"."""
    unit = get_unit(unit_code)
    params = {
        "sponsor": pool.sponsor.display_name if pool.show_name else _("A sponsor"),
        "give": unit.format(int(pool.ratio * unit.scale)),
        "per": unit.format(unit.scale),
        "total": unit.format(pool.total_cap),
        "matched": unit.format(pool.matched_total),
        "cap": unit.format(pool.per_backer_cap) if pool.per_backer_cap else "",
    }
    if pool.status == MatchingPool.Status.CLOSED:
        return _("%(sponsor)s matched %(matched)s; the matching pool is closed to new pledges.") % params
    if pool.per_backer_cap:
        return (
            _(
                "%(sponsor)s adds %(give)s for each %(per)s pledged, up to %(cap)s per backer and %(total)s "
                "in all; %(matched)s matched so far."
            )
            % params
        )
    return (
        _("%(sponsor)s adds %(give)s for each %(per)s pledged, up to %(total)s in all; %(matched)s matched so far.")
        % params
    )


def pledge_explained(pledge: Pledge) -> str:
    """Where a pledge stands, for its backer: held until…, collected on…, released because…"""
    campaign = pledge.campaign
    params = {"date": when(pledge.resolved_at), "deadline": when(campaign.deadline)}
    if pledge.status == Pledge.Status.ACTIVE:
        if campaign.is_decided or campaign.status == S.CANCELLED:
            return _("Being settled: the campaign has ended.")
        return hold_explained(campaign)
    if pledge.status == Pledge.Status.CAPTURED:
        return _("Collected on %(date)s: the campaign succeeded.") % params
    if pledge.status == Pledge.Status.WITHDRAWN:
        return _("Withdrawn on %(date)s: nothing was taken.") % params
    if campaign.status == S.CANCELLED:
        return _("Released on %(date)s because the campaign was cancelled: nothing was taken.") % params
    if campaign.status == S.FAILED:
        return _("Released on %(date)s because the campaign did not reach its goal: nothing was taken.") % params
    return _("Released on %(date)s: nothing was taken.") % params
