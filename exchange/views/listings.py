"""Pages of listings: the marketplace search, a listing, publish and edit (with photos), my
listings (pause, resume, close) and the moderators' hide form. Members only (log in)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from core.errors import ApplicationError, NotFound
from core.l10n import format_number
from exchange.models import Category, Listing, ListingPhoto
from exchange.selectors.listings import listing_get_visible, listing_results_page, listing_search, listings_of_author
from exchange.services.listings import (
    listing_close,
    listing_create,
    listing_hide,
    listing_pause,
    listing_photo_add,
    listing_photo_remove,
    listing_resume,
    listing_unhide,
    listing_update,
)
from exchange.views.forms_listings import HideForm, ListingForm, ListingSearchForm
from ledger.units import get_unit

PAGE_SIZE = 20


def _visible(request: HttpRequest, pk: int) -> Listing:
    try:
        return listing_get_visible(user=request.user, listing_id=pk)
    except NotFound:
        raise Http404 from None


def _propose_url(listing: Listing) -> str:
    try:
        return reverse("exchange-propose", kwargs={"listing_id": listing.pk})
    except NoReverseMatch:
        return f"/exchanges/propose/{listing.pk}/"


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def listing_search_page(request: HttpRequest) -> HttpResponse:
    form = ListingSearchForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"],
            "kind": data["kind"] or None,
            "category": data["category"],
            "commune": data["commune"],
            "unit": data["unit"] or None,
            "price_min": data["price_min"],
            "price_max": data["price_max"],
        }
    results = listing_search(**filters).prefetch_related("photos")
    page = listing_results_page(results, number=request.GET.get("page"), size=PAGE_SIZE)
    return render(
        request,
        "exchange/listings/search.html",
        {
            "form": form,
            "page": page,
            "count_text": format_number(page.count),
            "query": _query_without_page(request),
            "language": get_language() or "fr",
        },
    )


@login_required
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _visible(request, pk)
    is_author = listing.author.user_id == request.user.pk
    return render(
        request,
        "exchange/listings/detail.html",
        {
            "listing": listing,
            "is_author": is_author,
            "propose_url": _propose_url(listing),
            "language": get_language() or "fr",
            "hide_form": HideForm() if request.user.is_staff else None,
        },
    )


def _service_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": data["kind"],
        "title": data["title"],
        "description": data["description"],
        "category": Category.objects.filter(pk=data["category"]).first(),
        "commune": data["commune"],
        "price": Money(data["price"], data["unit"]) if data["unit"] else None,
        "availability": data["availability"],
        "expires_on": data["expires_on"],
    }


def _add_photos(request: HttpRequest, listing: Listing, files: list[Any]) -> list[str]:
    errors = []
    for upload in files:
        try:
            listing_photo_add(listing=listing, actor=request.user, upload=upload)
        except ApplicationError as exc:
            errors.append(f"{upload.name}: {exc.message}")
    return errors


def _form_page(request: HttpRequest, form: ListingForm, listing: Listing | None, status: int = 200) -> HttpResponse:
    return render(request, "exchange/listings/form.html", {"form": form, "listing": listing}, status=status)


def _save(request: HttpRequest, form: ListingForm, listing: Listing | None) -> HttpResponse:
    fields = _service_fields(form.cleaned_data)
    try:
        if listing is None:
            saved = listing_create(actor=request.user, **fields)
        else:
            saved = listing_update(listing=listing, actor=request.user, **fields)
    except ApplicationError as exc:
        for field, errors in (exc.fields or {}).items():
            form.add_error(field if field in form.fields else None, errors)
        if not exc.fields:
            form.add_error(None, str(exc.message))
        return _form_page(request, form, listing, status=422)
    for error in _add_photos(request, saved, form.cleaned_data["photos"]):
        messages.error(request, error)
    messages.success(request, _("The listing was saved."))
    return redirect("listing-detail", pk=saved.pk)


@login_required
def listing_new(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, None)
    return _form_page(request, form, None, status=400 if form.is_bound else 200)


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _visible(request, pk)
    if listing.author.user_id != request.user.pk:
        raise Http404
    initial = {
        "kind": listing.kind,
        "title": listing.title,
        "description": listing.description,
        "category": listing.category_id,
        "commune": listing.commune_id,
        "unit": listing.unit,
        "price": None if listing.price is None else get_unit(listing.unit).to_decimal(listing.price),
        "availability": listing.availability,
        "expires_on": listing.expires_on,
    }
    form = ListingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        return _save(request, form, listing)
    return _form_page(request, form, listing, status=400 if form.is_bound else 200)


@login_required
def my_listings(request: HttpRequest) -> HttpResponse:
    listings = list(listings_of_author(user=request.user)[:200])
    return render(request, "exchange/listings/mine.html", {"listings": listings})


ACTIONS = {
    "pause": (listing_pause, gettext_lazy("The listing is paused.")),
    "resume": (listing_resume, gettext_lazy("The listing is published again.")),
    "close": (listing_close, gettext_lazy("The listing is closed.")),
}


@login_required
@require_POST
def listing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    listing = _visible(request, pk)
    if action not in ACTIONS:
        raise Http404
    service, done = ACTIONS[action]
    try:
        service(listing=listing, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(done))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("listing-mine")
    return redirect(target)


@login_required
@require_POST
def listing_photo_delete(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    listing = _visible(request, pk)
    photo = ListingPhoto.objects.filter(listing=listing, pk=photo_id).first()
    if photo is None:
        raise Http404
    try:
        listing_photo_remove(photo=photo, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("listing-edit", pk=listing.pk)


@login_required
@require_POST
def listing_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _visible(request, pk)
    try:
        if request.POST.get("unhide"):
            listing_unhide(listing=listing, actor=request.user)
            messages.success(request, _("The listing is visible again."))
        else:
            form = HideForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            listing_hide(listing=listing, actor=request.user, reason=reason)
            messages.success(request, _("The listing is hidden; its author was told why."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message) if not exc.fields else _("Give the reason for hiding it."))
    return redirect("listing-detail", pk=listing.pk)


urlpatterns = [
    path("marketplace/", listing_search_page, name="listing-search"),
    path("marketplace/new/", listing_new, name="listing-new"),
    path("marketplace/mine/", my_listings, name="listing-mine"),
    path("marketplace/<int:pk>/", listing_detail, name="listing-detail"),
    path("marketplace/<int:pk>/edit/", listing_edit, name="listing-edit"),
    path("marketplace/<int:pk>/moderate/", listing_moderate, name="listing-moderate"),
    path("marketplace/<int:pk>/photos/<int:photo_id>/delete/", listing_photo_delete, name="listing-photo-delete"),
    path("marketplace/<int:pk>/<str:action>/", listing_action, name="listing-action"),
]
