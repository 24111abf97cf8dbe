"""Booking a resource (the price and the cancellation rule shown before confirming) and "Mes
réservations" (upcoming and past bookings, cancelling with the fee that would apply, the calendar link)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from ledger.units import get_unit
from members.selectors import member_or_none
from places.models import Booking, Resource
from places.selectors import pages
from places.selectors.bookings import booking_get_visible, cancel_deadline, cancellation_fee
from places.selectors.quote import QuoteLine, booking_paid_with, booking_price, booking_quote
from places.services.bookings import booking_cancel, booking_create
from places.views.calendars import SESSION_KEY
from places.views.forms import BookingForm


def _member(request: HttpRequest) -> Any:
    member = member_or_none(request.user)
    if member is None:
        raise Http404
    return member


def _unit_choices(resource: Resource) -> list[tuple[str, str]]:
    units = [price.unit for price in resource.prices.all()] or list(resource.place.units)
    return [(unit, get_unit(unit).name if unit else unit) for unit in units]


def _preview(resource: Resource, member: Any, data: dict[str, Any]) -> dict[str, Any]:
    """What confirming would cost and the cancellation rule, from the form's cleaned data."""
    start, end = data["span"]
    prices = {price.unit: price.amount for price in resource.prices.all()}
    unit = data.get("unit") or (sorted(prices)[0] if prices else (resource.place.units or [""])[0])
    lines: list[QuoteLine] = []
    try:
        quote = booking_quote(
            resource=resource, member=member, start=start, end=end, seats=data["seats"], unit=data.get("unit") or None
        )
    except ApplicationError:  # the booking itself will say what is wrong
        price = booking_price(resource, start, end, data["seats"], prices.get(unit, 0))
    else:
        unit, price, lines = quote.money_unit, quote.money_amount, quote.lines
    deadline = start - dt.timedelta(hours=resource.cancel_deadline_hours)
    return {
        "start": start,
        "end": end,
        "seats": data["seats"],
        "unit": unit,
        "price": price,
        "lines": lines,
        "credits": [line for line in lines if line.source != "price"],
        "deadline": deadline,
        "deadline_passed": deadline <= timezone.now(),
        "fee_percent": resource.late_cancel_fee_percent,
        "late_fee": price * resource.late_cancel_fee_percent // 100,
        "signature": _signature(data),
    }


def _signature(data: dict[str, Any]) -> str:
    """The values the member saw priced: confirming other values shows their price first."""
    return "|".join(str(data.get(name) or "") for name in ("date", "start", "end", "seats", "unit"))


def _form_from_query(request: HttpRequest, **kwargs: Any) -> BookingForm:
    """A link from the search (date, start, end, seats) is priced at once; from the week (date and
    start) it fills the form."""
    if all(request.GET.get(name) for name in ("date", "start", "end")):
        data = request.GET.copy()
        data["idempotency_key"] = uuid.uuid4().hex
        data.setdefault("seats", "1")
        return BookingForm(data, **kwargs)
    initial = {name: request.GET[name] for name in ("date", "start", "seats") if request.GET.get(name)}
    return BookingForm(initial=initial, **kwargs)


@login_required
def booking_new(request: HttpRequest, resource_id: int) -> HttpResponse:
    try:
        resource = pages.resource_get_visible(request.user, resource_id)
    except NotFound:
        raise Http404 from None
    member = _member(request)
    kwargs: dict[str, Any] = {
        "units": _unit_choices(resource),
        "capacity": resource.capacity,
        "shared": resource.shared,
    }
    preview = None
    status = 200
    form = BookingForm(request.POST, **kwargs) if request.method == "POST" else _form_from_query(request, **kwargs)
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            preview = _preview(resource, member, data)
            confirmed = request.method == "POST" and request.POST.get("confirm") == preview["signature"]
            if confirmed:
                start, end = data["span"]
                try:
                    booking = booking_create(
                        resource=resource,
                        member=member,
                        start=start,
                        end=end,
                        seats=data["seats"],
                        unit=data.get("unit") or None,
                        actor=request.user,
                        idempotency_key=f"page:{request.user.pk}:{data['idempotency_key']}",
                    )
                except ApplicationError as exc:
                    for field, errors in (exc.fields or {}).items():
                        form.add_error(field if field in form.fields and field != "unit" else None, errors)
                    form.add_error(None, str(exc.message))
                    preview = None
                    status = 422
                else:
                    messages.success(
                        request,
                        _("Booked: %(resource)s, %(when)s. The price is held on your account until then.")
                        % {"resource": resource.name, "when": _when(booking)}
                        if not booking.credits.exists()
                        else _("Booked: %(resource)s, %(when)s. Your credits are held until you check in.")
                        % {"resource": resource.name, "when": _when(booking)},
                    )
                    return redirect("my-bookings")
        else:
            status = 400 if request.method == "POST" else 200
    return render(
        request,
        "places/book.html",
        {"resource": resource, "form": form, "preview": preview},
        status=status,
    )


def _when(booking: Booking) -> str:
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    return f"{date_format(start.date(), 'SHORT_DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    now = timezone.now()
    upcoming, past = pages.member_bookings(member, now=now)
    booking_paid_with([*upcoming, *past])
    for booking in upcoming:
        booking.fee_now = cancellation_fee(booking, now=now)  # type: ignore[attr-defined]
        booking.deadline = cancel_deadline(booking)  # type: ignore[attr-defined]
    token = request.session.pop(SESSION_KEY, None)
    return render(
        request,
        "places/my_bookings.html",
        {
            "upcoming": upcoming,
            "past": past,
            "feed": pages.member_calendar_feed(member),
            "feed_url": request.build_absolute_uri(reverse("calendar-feed", args=[token])) if token else None,
            "now": now,
        },
    )


def _own_booking(request: HttpRequest, pk: int) -> Booking:
    try:
        booking = booking_get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None
    if booking.member is None or booking.member.user_id != request.user.pk:
        raise Http404
    return booking


@login_required
def booking_cancel_page(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    if request.method == "POST":
        try:
            booking = booking_cancel(booking=booking, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("my-bookings")
        unit = get_unit(booking.unit)
        if booking.fee:
            messages.success(
                request,
                _("Booking cancelled. A late fee of %(fee)s was kept; the rest of the held %(price)s was released.")
                % {"fee": unit.format(booking.fee), "price": unit.format(booking.price)},
            )
        elif booking.price:
            messages.success(
                request,
                _("Booking cancelled. The held %(price)s was released.") % {"price": unit.format(booking.price)},
            )
        else:
            messages.success(request, _("Booking cancelled."))
        return redirect("my-bookings")
    if booking.status != Booking.Status.CONFIRMED:
        messages.error(request, _("This booking can no longer be cancelled."))
        return redirect("my-bookings")
    return render(
        request,
        "places/cancel.html",
        {"booking": booking, "fee": cancellation_fee(booking), "deadline": cancel_deadline(booking)},
    )


urlpatterns = [
    path("places/resources/<int:resource_id>/book/", booking_new, name="booking-new"),
    path("me/bookings/", my_bookings, name="my-bookings"),
    path("me/bookings/<int:pk>/cancel/", booking_cancel_page, name="my-booking-cancel"),
]
