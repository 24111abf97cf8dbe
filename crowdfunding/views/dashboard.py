"""The owner's dashboard (owner and moderators): progress, who backs the project and what to
deliver to whom, the backers as CSV, news to the backers."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.errors import ApplicationError
from core.forms import add_service_error
from crowdfunding import selectors
from crowdfunding.models import Pledge
from crowdfunding.services.pledges import pledge_mark_delivered
from crowdfunding.services.updates import campaign_update_post
from crowdfunding.views.forms import UpdateForm
from ledger.units import get_unit

from ._common import owned, progress_bar

# Pledges whose reward is (or will be) due: running ones until the deadline, collected ones after.
REWARD_DUE = {Pledge.Status.ACTIVE, Pledge.Status.CAPTURED}
# A page of backers: on a phone each is a card of seven lines; backers.csv has them all.
BACKERS_PER_PAGE = 50


@login_required
def campaign_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = owned(request, pk)
    progress = selectors.campaign_progress(campaign)
    reader = selectors.backer_reader(request.user)
    # A page of backers at a time (a campaign may have thousands; backers.csv has them all), and
    # the rewards still to deliver counted over every pledge, in SQL.
    backers = selectors.campaign_backers_listed(campaign)
    # The page's pledges are chosen in a subquery that sorts ids (and the tiers' positions) only;
    # the outer query reads that page's rows with their backers. Sorting the joined rows of every
    # pledge instead took 50 ms at 10,000 pledges.
    page = Paginator(backers.values_list("pk", flat=True), BACKERS_PER_PAGE).get_page(request.GET.get("page"))
    pledges = [(pledge, reader.seen(pledge)) for pledge in backers.filter(pk__in=page.object_list)]
    to_deliver = (
        backers.filter(tier__isnull=False, status__in=REWARD_DUE, reward_delivered_at__isnull=True)
        .order_by()
        .values_list("tier__title")
        .annotate(count=Count("id"))
    )
    return render(
        request,
        "crowdfunding/dashboard.html",
        {
            "campaign": campaign,
            "progress": progress,
            "bar": progress_bar(campaign, progress),
            "pledges": pledges,
            "page": page,
            "to_deliver": sorted(to_deliver),
        },
    )


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    """The local day of a moment: the CSV writes it ISO (`2026-12-06`), as every export's dates."""
    return timezone.localtime(moment).date() if moment else None


BACKERS_CSV_HEADER = (
    gettext_lazy("Backer"),
    gettext_lazy("E-mail"),
    gettext_lazy("Commune"),
    gettext_lazy("Reward"),
    gettext_lazy("Amount"),
    gettext_lazy("Unit"),
    gettext_lazy("Status"),
    gettext_lazy("Anonymous"),
    gettext_lazy("Pledged on"),
    gettext_lazy("Reward delivered on"),
)


@login_required
def campaign_backers_csv(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The backers for delivering rewards, for a spreadsheet (core.csv: French unless `?lang=en`).

    What of each backer the reader sees is `selectors.BackerReader.seen`: an anonymous backer is
    « Anonyme » with no e-mail nor commune, or named without an e-mail when they chose a reward.

    French spreadsheet users open it with a double click: Excel in French splits columns on ';'
    (a ',' file opens as one column), reads amounts written with a decimal comma, and needs the
    UTF-8 BOM to show accents (Hélène, Saint-Julien-des-Landes) right. A plain response: a
    campaign has hundreds of backers, not millions.
    """
    campaign = owned(request, pk)
    unit = get_unit(campaign.unit)
    reader = selectors.backer_reader(request.user)
    rows = (
        [
            seen.name or _("Anonymous"),
            seen.email or "",
            seen.commune or "",
            pledge.tier.title if pledge.tier else "",
            unit.to_decimal(pledge.amount),
            campaign.unit,
            pledge.get_status_display(),
            _("yes") if pledge.anonymous else _("no"),
            _day(pledge.created_at),
            _day(pledge.reward_delivered_at),
        ]
        for pledge in selectors.campaign_backers_listed(campaign)
        for seen in [reader.seen(pledge)]
    )
    return csv_response(request, filename=f"campaign-{campaign.pk}-backers.csv", header=BACKERS_CSV_HEADER, rows=rows)


@login_required
@require_POST
def campaign_pledge_delivered(request: HttpRequest, pk: int, pledge_id: int) -> HttpResponse:
    campaign = owned(request, pk)
    pledge = selectors.campaign_backers_for_owner(campaign).filter(pk=pledge_id).first()
    if pledge is None:
        raise Http404
    delivered = request.POST.get("delivered", "1") == "1"
    try:
        pledge_mark_delivered(pledge=pledge, delivered=delivered, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        params = {"name": selectors.backer_reader(request.user).seen(pledge).name or _("Anonymous")}
        if delivered:
            messages.success(request, _("The reward of %(name)s is marked delivered.") % params)
        else:
            messages.success(request, _("The reward of %(name)s is marked not delivered.") % params)
    return redirect(reverse("campaign-dashboard", kwargs={"pk": campaign.pk}) + "#backers")


@login_required
def campaign_update_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = owned(request, pk)
    form = UpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_update_post(
                campaign=campaign, title=form.cleaned_data["title"], body=form.cleaned_data["body"], actor=request.user
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Your news is published; every backer receives it by e-mail."))
            return redirect(reverse("campaign-detail", kwargs={"pk": campaign.pk}) + "#updates")
    return render(
        request,
        "crowdfunding/update_form.html",
        {"campaign": campaign, "form": form},
        status=422 if form.errors else 200,
    )
