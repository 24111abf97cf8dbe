"""Pages of exchanges: my exchanges, proposing one on a listing, the exchange page (timeline,
the viewer's actions, messages, dispute and review forms) and a member's profile with ratings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from djmoney.money import Money

from core.errors import ApplicationError, NotFound
from exchange.models import Exchange, Listing, Review
from exchange.selectors.exchanges import (
    exchange_get_visible,
    exchanges_visible_to,
    member_rating,
    reviews_of,
)
from exchange.services import exchanges as services
from exchange.services import reviews, transitions
from exchange.views.forms_exchanges import DisputeForm, MessageForm, ProposeForm, ResolveForm, ReviewForm
from ledger.units import get_unit
from members.models import Member
from members.selectors import member_or_none

# The simple transitions, one button each (dispute and resolve have their own forms).
BUTTONS = {
    "accept": services.exchange_accept,
    "decline": services.exchange_decline,
    "cancel": services.exchange_cancel,
    "deliver": services.exchange_deliver,
    "confirm": services.exchange_confirm,
}
DONE = {
    "accept": gettext_lazy("The exchange is accepted: the amount is on hold."),
    "decline": gettext_lazy("The exchange is declined."),
    "cancel": gettext_lazy("The exchange is cancelled."),
    "deliver": gettext_lazy("The exchange is marked delivered."),
    "confirm": gettext_lazy("The exchange is confirmed: the payment is posted."),
}


def _member(request: HttpRequest) -> Member | None:
    return member_or_none(request.user)


def _visible(request: HttpRequest, pk: int) -> Exchange:
    try:
        return exchange_get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def exchange_list(request: HttpRequest) -> HttpResponse:
    exchanges = list(exchanges_visible_to(request.user)[:200])
    member = _member(request)
    return render(
        request,
        "exchange/exchanges/list.html",
        {"exchanges": exchanges, "member": member, "days": settings.BOCAGE_EXCHANGE_AUTO_CAPTURE_DAYS},
    )


@login_required
def exchange_propose_page(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = (
        Listing.objects.select_related("author").filter(pk=listing_id).exclude(status=Listing.Status.HIDDEN).first()
    )
    if listing is None:
        raise Http404
    initial: dict[str, Any] = {}
    if listing.price is not None:
        initial["amount"] = get_unit(listing.unit).to_decimal(listing.price)
    form = ProposeForm(request.POST or None, initial=initial, listing_unit=listing.unit)
    proposer = _member(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if proposer is None:
            form.add_error(None, _("Only members propose exchanges."))
        else:
            try:
                unit = get_unit(listing.unit or data["unit"])
                created = services.exchange_propose(
                    listing=listing,
                    proposer=proposer,
                    amount=Money(data["amount"], unit.code),
                    message=data["message"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                field = "amount" if exc.code in {"invalid_amount", "unit_mismatch"} else None
                form.add_error(field, str(exc.message))
            else:
                messages.success(request, _("Your proposal was sent."))
                return redirect("exchange-detail", pk=created.pk)
    return render(
        request,
        "exchange/exchanges/propose.html",
        {"listing": listing, "form": form, "is_author": proposer is not None and proposer.pk == listing.author_id},
        status=422 if form.errors else 200,
    )


def _detail_context(request: HttpRequest, exchange: Exchange) -> dict[str, Any]:
    member = _member(request)
    is_party = member is not None and member.pk in {exchange.buyer_id, exchange.seller_id}
    actions = transitions.exchange_actions_for(exchange, request.user)
    reviewed = is_party and Review.objects.filter(exchange=exchange, author=member).exists()
    return {
        "exchange": exchange,
        "member": member,
        "is_party": is_party,
        "role": "buyer" if member is not None and member.pk == exchange.buyer_id else "seller",
        "buttons": [action for action in actions if action in BUTTONS],
        "can_dispute": "dispute" in actions,
        "can_resolve": "resolve" in actions,
        "events": list(exchange.events.select_related("actor")),
        "thread": list(exchange.messages.select_related("author")),
        "reviews": list(exchange.reviews.select_related("author", "subject")),
        "can_review": is_party and not reviewed and reviews.exchange_is_reviewable(exchange),
        "message_form": MessageForm(),
        "dispute_form": DisputeForm(),
        "resolve_form": ResolveForm(unit=exchange.unit),
        "review_form": ReviewForm(),
    }


@login_required
def exchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _visible(request, pk)
    return render(request, "exchange/exchanges/detail.html", _detail_context(request, exchange))


def _rerender(request: HttpRequest, exchange: Exchange, **forms: Any) -> HttpResponse:
    context = _detail_context(request, exchange)
    context.update(forms)
    return render(request, "exchange/exchanges/detail.html", context, status=422)


@login_required
@require_POST
def exchange_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    exchange = _visible(request, pk)
    if action not in BUTTONS:
        raise Http404
    try:
        BUTTONS[action](exchange=exchange, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(DONE[action]))
    return redirect("exchange-detail", pk=exchange.pk)


@login_required
@require_POST
def exchange_dispute_page(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _visible(request, pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            services.exchange_dispute(exchange=exchange, reason=form.cleaned_data["reason"], actor=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The exchange is disputed: a moderator will look at it."))
        return redirect("exchange-detail", pk=exchange.pk)
    return _rerender(request, exchange, dispute_form=form)


@login_required
@require_POST
def exchange_resolve_page(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _visible(request, pk)
    form = ResolveForm(request.POST, unit=exchange.unit)
    if form.is_valid():
        data = form.cleaned_data
        amount = Money(data["amount"], exchange.unit) if data["amount"] is not None else None
        try:
            services.exchange_resolve(exchange=exchange, outcome=data["outcome"], amount=amount, actor=request.user)
        except ApplicationError as exc:
            form.add_error("amount" if exc.code == "invalid_amount" else None, str(exc.message))
        else:
            messages.success(request, _("The dispute is resolved."))
            return redirect("exchange-detail", pk=exchange.pk)
    return _rerender(request, exchange, resolve_form=form)


@login_required
@require_POST
def exchange_message_page(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _visible(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            reviews.exchange_message_post(exchange=exchange, body=form.cleaned_data["body"], actor=request.user)
        except ApplicationError as exc:
            form.add_error("body", str(exc.message))
        else:
            return redirect("exchange-detail", pk=exchange.pk)
    return _rerender(request, exchange, message_form=form)


@login_required
@require_POST
def exchange_review_page(request: HttpRequest, pk: int) -> HttpResponse:
    exchange = _visible(request, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reviews.review_create(exchange=exchange, rating=data["rating"], comment=data["comment"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Thank you for your review."))
            return redirect("exchange-detail", pk=exchange.pk)
    return _rerender(request, exchange, review_form=form)


@login_required
def member_profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = Member.objects.filter(pk=pk, status=Member.Status.ACTIVE).first()
    if member is None:
        raise Http404
    average, count = member_rating(member)
    return render(
        request,
        "exchange/members/profile.html",
        {"profile": member, "average": average, "count": count, "reviews": reviews_of(member)},
    )


urlpatterns = [
    path("exchanges/", exchange_list, name="exchange-list"),
    path("exchanges/propose/<int:listing_id>/", exchange_propose_page, name="exchange-propose"),
    path("exchanges/<int:pk>/", exchange_detail, name="exchange-detail"),
    path("exchanges/<int:pk>/dispute/", exchange_dispute_page, name="exchange-dispute"),
    path("exchanges/<int:pk>/resolve/", exchange_resolve_page, name="exchange-resolve"),
    path("exchanges/<int:pk>/messages/", exchange_message_page, name="exchange-message"),
    path("exchanges/<int:pk>/review/", exchange_review_page, name="exchange-review"),
    path("exchanges/<int:pk>/<str:action>/", exchange_action, name="exchange-action"),
    path("members/<int:pk>/", member_profile, name="member-profile"),
]
