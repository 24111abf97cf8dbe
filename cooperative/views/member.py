"""The member's side: the cooperatives and their statutes in plain words, "my shares" (holdings,
movements, certificates, requests, a redemption request), and the subscription request."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cooperative import selectors
from cooperative.models import Cooperative, Shareholder, ShareMovement, SubscriptionRequest
from cooperative.services.requests import (
    redemption_request_create,
    subscription_request_cancel,
    subscription_request_create,
)
from cooperative.views.forms import RedemptionRequestForm, SubscriptionRequestForm
from core.amounts import format_euros
from core.errors import ApplicationError
from core.forms import add_service_error
from members.selectors import member_or_none

from ._common import cancelled_numbers, cooperative_or_404, movements_of

# Refusals about the number of shares typed (the rest are shown above the form).
QUANTITY_ERRORS = {"above_maximum_holding", "below_minimum_holding", "not_enough_shares", "lockup_not_over"}
FIELD_FOR = {code: "quantity" for code in QUANTITY_ERRORS}


def statutes_in_words(cooperative: Cooperative) -> list[str]:
    """The rules a member meets, one sentence each."""
    minimum, maximum = cooperative.min_shares_per_member, cooperative.max_shares_per_member
    sentences = [
        ngettext(
            "Each shareholder holds at least %(count)d share.",
            "Each shareholder holds at least %(count)d shares.",
            minimum,
        )
        % {"count": minimum}
    ]
    if maximum is None:
        sentences.append(_("The statutes set no maximum per shareholder."))
    else:
        sentences.append(
            ngettext(
                "No one may hold more than %(count)d share.", "No one may hold more than %(count)d shares.", maximum
            )
            % {"count": maximum}
        )
    if cooperative.board_approval_required:
        sentences.append(_("The board of directors approves every subscription and admits every new shareholder."))
    else:
        sentences.append(_("Subscriptions need no approval: the shares are issued when the payment is recorded."))
    if cooperative.lockup_months:
        sentences.append(
            ngettext(
                "Shares can be redeemed once they have been held for %(count)d month (the lock-up).",
                "Shares can be redeemed once they have been held for %(count)d months (the lock-up).",
                cooperative.lockup_months,
            )
            % {"count": cooperative.lockup_months}
        )
    else:
        sentences.append(_("Shares can be redeemed at any time: there is no lock-up."))
    if cooperative.redemption_delay_months:
        sentences.append(
            ngettext(
                "A redemption is repaid at nominal value %(count)d month after the board approves it.",
                "A redemption is repaid at nominal value %(count)d months after the board approves it.",
                cooperative.redemption_delay_months,
            )
            % {"count": cooperative.redemption_delay_months}
        )
    else:
        sentences.append(_("A redemption is repaid at nominal value as soon as the board approves it."))
    if cooperative.capital_floor:
        sentences.append(
            _("The capital may not fall below %(floor)s: a redemption that would take it lower waits.")
            % {"floor": format_euros(cooperative.capital_floor)}
        )
    return sentences


def cooperative_list(request: HttpRequest) -> HttpResponse:
    cooperatives = list(selectors.cooperatives_visible_to(request.user))
    cards = []
    for cooperative in cooperatives:
        shareholder = selectors.shareholder_of(cooperative, request.user)
        cards.append(
            {
                "cooperative": cooperative,
                "capital": selectors.capital_at(cooperative),
                "my_shares": selectors.shares_of(shareholder) if shareholder else None,
            }
        )
    return render(
        request,
        "cooperative/list.html",
        {"cards": cards, "can_read_register": selectors.can_read_register(request.user)},
    )


def cooperative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = cooperative_or_404(pk)
    return render(
        request,
        "cooperative/detail.html",
        {
            "cooperative": cooperative,
            "statutes": statutes_in_words(cooperative),
            "share_classes": cooperative.share_classes.all(),
            "colleges": cooperative.colleges.all(),
            "capital": selectors.capital_at(cooperative),
            "shareholder": selectors.shareholder_of(cooperative, request.user),
            "can_read_register": selectors.can_read_register(request.user),
        },
    )


def _holdings(cooperative: Cooperative, shareholder: Shareholder | None) -> list[dict[str, Any]]:
    if shareholder is None:
        return []
    rows = []
    for share_class in cooperative.share_classes.all():
        shares = selectors.shares_of(shareholder, share_class=share_class)
        if shares:
            rows.append({"share_class": share_class, "shares": shares, "value": shares * share_class.nominal_value})
    return rows


def _my_shares_page(
    request: HttpRequest,
    cooperative: Cooperative,
    *,
    redeem_form: RedemptionRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    member = member_or_none(request.user)
    shareholder = selectors.shareholder_of(cooperative, request.user)
    holdings = _holdings(cooperative, shareholder)
    movements: list[ShareMovement] = list(movements_of(shareholder)) if shareholder else []
    cancelled = cancelled_numbers(cooperative)
    lines = [
        {
            "movement": movement,
            "incoming": shareholder is not None and movement.to_shareholder_id == shareholder.pk,
            "cancelled_by": cancelled.get(movement.number),
            "certificate": movement.kind == ShareMovement.Kind.SUBSCRIPTION
            and shareholder is not None
            and movement.to_shareholder_id == shareholder.pk,
        }
        for movement in movements
    ]
    if redeem_form is None and holdings:
        redeem_form = RedemptionRequestForm(share_classes=[row["share_class"] for row in holdings])
    newest_first = ("-requested_at", "-id")
    subscription_requests = selectors.subscription_requests_own(request.user, cooperative).order_by(*newest_first)
    redemption_requests = selectors.redemption_requests_own(request.user, cooperative).order_by(*newest_first)
    return render(
        request,
        "cooperative/my_shares.html",
        {
            "cooperative": cooperative,
            "member": member,
            "shareholder": shareholder,
            "holdings": holdings,
            "total_shares": sum(row["shares"] for row in holdings),
            "total_value": sum(row["value"] for row in holdings),
            "lines": lines,
            "subscription_requests": subscription_requests,
            "redemption_requests": redemption_requests,
            "redeem_form": redeem_form,
            "statutes": statutes_in_words(cooperative),
            "pending": {SubscriptionRequest.Status.REQUESTED, SubscriptionRequest.Status.APPROVED},
        },
        status=status,
    )


@login_required
def my_shares(request: HttpRequest, pk: int) -> HttpResponse:
    return _my_shares_page(request, cooperative_or_404(pk))


@login_required
@require_POST
def redemption_request_page(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = cooperative_or_404(pk)
    shareholder = selectors.shareholder_of(cooperative, request.user)
    if shareholder is None:
        raise Http404
    form = RedemptionRequestForm(request.POST, share_classes=list(cooperative.share_classes.all()))
    if form.is_valid():
        try:
            created = redemption_request_create(
                shareholder=shareholder,
                share_class=form.cleaned_data["share_class"],
                quantity=form.cleaned_data["quantity"],
                actor=request.user,
            )
        except ApplicationError as exc:
            add_service_error(form, exc, FIELD_FOR)
        else:
            messages.success(
                request,
                ngettext(
                    "Your request to redeem %(quantity)d share of class %(code)s (%(amount)s) is sent to the board.",
                    "Your request to redeem %(quantity)d shares of class %(code)s (%(amount)s) is sent to the board.",
                    created.quantity,
                )
                % {
                    "quantity": created.quantity,
                    "code": created.share_class.code,
                    "amount": format_euros(created.quantity * created.share_class.nominal_value),
                },
            )
            return redirect("cooperative-my-shares", pk=cooperative.pk)
    return _my_shares_page(request, cooperative, redeem_form=form, status=422)


@login_required
@require_POST
def subscription_request_cancel_page(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    cooperative = cooperative_or_404(pk)
    share_request = selectors.subscription_requests_own(request.user, cooperative).filter(pk=request_id).first()
    if share_request is None:
        raise Http404
    try:
        subscription_request_cancel(request=share_request, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("cooperative-my-shares", pk=cooperative.pk)


@login_required
def subscribe(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = cooperative_or_404(pk)
    member = member_or_none(request.user)
    shareholder = selectors.shareholder_of(cooperative, request.user)
    newcomer = shareholder is None or shareholder.status != Shareholder.Status.ADMITTED
    if member is None and request.method == "POST":
        raise PermissionDenied  # only members hold shares; the page says so
    form = SubscriptionRequestForm(request.POST or None, cooperative=cooperative, newcomer=newcomer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = subscription_request_create(
                cooperative=cooperative,
                share_class=data["share_class"],
                quantity=data["quantity"],
                college=data.get("college"),
                actor=request.user,
            )
        except ApplicationError as exc:
            add_service_error(form, exc, FIELD_FOR)
        else:
            params = {
                "quantity": created.quantity,
                "code": created.share_class.code,
                "amount": format_euros(created.amount),
            }
            if created.status == SubscriptionRequest.Status.APPROVED:
                text = ngettext(
                    "Your request for %(quantity)d share of class %(code)s (%(amount)s) is registered. "
                    "Pay it by transfer or cheque: the share is issued when the payment is recorded.",
                    "Your request for %(quantity)d shares of class %(code)s (%(amount)s) is registered. "
                    "Pay it by transfer or cheque: the shares are issued when the payment is recorded.",
                    created.quantity,
                )
            else:
                text = ngettext(
                    "Your request for %(quantity)d share of class %(code)s (%(amount)s) is sent to the board. "
                    "Once it is approved, pay by transfer or cheque: the share is issued when the payment "
                    "is recorded.",
                    "Your request for %(quantity)d shares of class %(code)s (%(amount)s) is sent to the board. "
                    "Once it is approved, pay by transfer or cheque: the shares are issued when the payment "
                    "is recorded.",
                    created.quantity,
                )
            messages.success(request, text % params)
            return redirect("cooperative-my-shares", pk=cooperative.pk)
    total = None
    if form.is_bound and not form.errors.get("share_class") and not form.errors.get("quantity"):
        data = getattr(form, "cleaned_data", {})
        if data.get("share_class") and data.get("quantity"):
            total = data["share_class"].nominal_value * data["quantity"]
    return render(
        request,
        "cooperative/subscribe.html",
        {
            "cooperative": cooperative,
            "form": form,
            "member": member,
            "shareholder": shareholder,
            "newcomer": newcomer,
            "held": selectors.shares_of(shareholder) if shareholder else 0,
            "total": total,
            "statutes": statutes_in_words(cooperative),
        },
        status=422 if form.errors else 200,
    )
