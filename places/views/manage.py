"""The managers' pages of a place: its bookings of a day or a week (check-in, no-show, cancel with a
reason) and its qualifications (who was trained; revoke). 404 for anyone who does not manage it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from places.models import MemberQualification, Place, PlacePhoto, Qualification, Resource
from places.selectors import pages
from places.selectors.bookings import booking_get_visible, bookings_visible_to
from places.selectors.roles import is_place_manager, managed_place_ids
from places.services.bookings import booking_cancel, booking_check_in, booking_mark_no_show
from places.services.counter import booking_create_at_counter
from places.services.photos import MAX_PHOTOS, place_photo_add, place_photo_delete
from places.services.qualifications import qualification_grant, qualification_revoke
from places.views.forms import CancelForm, CounterBookingForm, DayForm, PlacePhotoForm, QualificationGrantForm


def _managed(request: HttpRequest, pk: int) -> Place:
    try:
        place = pages.place_get_visible(request.user, pk)
    except NotFound:
        raise Http404 from None
    if not is_place_manager(request.user, place):
        raise Http404
    return place


@login_required
def place_manage_home(request: HttpRequest) -> HttpResponse:
    """The places the user manages: straight to the one, or the list of them."""
    places = list(
        Place.objects.filter(pk__in=managed_place_ids(request.user)).select_related("commune").order_by("name")
    )
    if not places:
        raise Http404
    if len(places) == 1:
        return redirect("place-manage", pk=places[0].pk)
    return render(request, "places/manage_home.html", {"places": places})


def _counter_resources(place: Place) -> Any:
    """The place's resources a guest may book at the counter: open to non-members, bookable."""
    return Resource.objects.filter(place=place, active=True, members_only=False).order_by("name")


@login_required
def place_manage(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_page(request, _managed(request, pk))


def _manage_page(
    request: HttpRequest, place: Place, counter_form: CounterBookingForm | None = None, status: int = 200
) -> HttpResponse:
    resources = _counter_resources(place)
    if counter_form is None and "EUR" in place.units and resources.exists():
        counter_form = CounterBookingForm(resources=resources)
    form = DayForm(request.GET or None)
    day = timezone.localdate()
    if form.is_bound and form.is_valid() and form.cleaned_data["date"]:
        day = form.cleaned_data["date"]
    week = request.GET.get("view") == "week"
    first = pages.week_start(day) if week else day
    days = 7 if week else 1
    bookings = pages.bookings_of_days(bookings_visible_to(request.user, place=place), first, days)
    return render(
        request,
        "places/manage.html",
        {
            "place": place,
            "form": form,
            "day": day,
            "first": first,
            "last": first + dt.timedelta(days=days - 1),
            "week": week,
            "previous": first - dt.timedelta(days=days),
            "following": first + dt.timedelta(days=days),
            "bookings": bookings,
            "cancel_form": CancelForm(),
            "counter_form": counter_form,
            "now": timezone.now(),
        },
        status=400 if form.is_bound and not form.is_valid() else status,
    )


@login_required
@require_POST
def counter_booking_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's form "book for a non-member": a guest's booking paid in euros at the counter."""
    place = _managed(request, pk)
    form = CounterBookingForm(request.POST, resources=_counter_resources(place))
    if not form.is_valid():
        return _manage_page(request, place, form, status=400)
    data = form.cleaned_data
    start, end = data["span"]
    try:
        booking = booking_create_at_counter(
            resource=data["resource"],
            guest_name=data["guest_name"],
            guest_phone=data["guest_phone"],
            start=start,
            end=end,
            seats=data["seats"],
            actor=request.user,
            idempotency_key=f"counter-page:{request.user.pk}:{data['idempotency_key']}",
        )
    except ApplicationError as exc:
        for field, errors in (exc.fields or {}).items():
            for error in errors:
                form.add_error(field if field in form.fields else None, str(error))
        if not exc.fields:
            form.add_error(None, str(exc.message))
        return _manage_page(request, place, form, status=422)
    messages.success(
        request,
        _("Booked for %(name)s: to pay at the counter when they come.") % {"name": booking.guest_name},
    )
    day = timezone.localtime(booking.start).date().isoformat()
    return redirect(f"{reverse('place-manage', args=[place.pk])}?date={day}")


ACTIONS: dict[str, tuple[Any, Any]] = {
    "check-in": (booking_check_in, gettext_lazy("Checked in: the price is paid to the place.")),
    "no-show": (booking_mark_no_show, gettext_lazy("Marked as a no-show: the late fee is kept, the rest released.")),
    "cancel": (booking_cancel, gettext_lazy("Booking cancelled: the held amount is released and the member told.")),
}


# A guest's booking at the counter: what the same actions mean when nothing was held.
COUNTER_DONE: dict[str, Any] = {
    "check-in": gettext_lazy("Checked in: the euros received at the counter are recorded in the place's account."),
    "no-show": gettext_lazy("Marked as a no-show: nothing was paid, nothing is recorded."),
    "cancel": gettext_lazy("Booking cancelled: nothing was paid. Call the guest if they were not told."),
}


@login_required
@require_POST
def booking_action(request: HttpRequest, pk: int, booking_id: int, action: str) -> HttpResponse:
    place = _managed(request, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        booking = booking_get_visible(request.user, booking_id)
    except NotFound:
        raise Http404 from None
    if booking.resource.place_id != place.pk:
        raise Http404
    service, done = ACTIONS[action]
    if booking.member_id is None:
        done = COUNTER_DONE.get(action, done)
    kwargs: dict[str, Any] = {"booking": booking, "actor": request.user}
    if action == "cancel":
        form = CancelForm(request.POST)
        kwargs["reason"] = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        service(**kwargs)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, str(done))
    day = timezone.localtime(booking.start).date().isoformat()
    return redirect(f"{reverse('place-manage', args=[place.pk])}?date={day}")


@login_required
def place_qualifications(request: HttpRequest, pk: int) -> HttpResponse:
    place = _managed(request, pk)
    qualifications = Qualification.objects.filter(place=place).order_by("name")
    form = QualificationGrantForm(request.POST or None, qualifications=qualifications)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                qualification_grant(
                    qualification=form.cleaned_data["qualification"],
                    member=form.cleaned_data["member"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = 422
            else:
                messages.success(
                    request,
                    _("%(member)s may now use what needs “%(training)s”.")
                    % {
                        "member": form.cleaned_data["member"].display_name,
                        "training": form.cleaned_data["qualification"].name,
                    },
                )
                return redirect("place-qualifications", pk=place.pk)
        else:
            status = 400
    holders = (
        MemberQualification.objects.filter(qualification__place=place, revoked_at__isnull=True)
        .select_related("member__commune", "qualification")
        .order_by("qualification__name", "member__display_name")
    )
    return render(
        request,
        "places/qualifications.html",
        {"place": place, "qualifications": qualifications, "holders": holders, "form": form},
        status=status,
    )


@login_required
@require_POST
def qualification_revoke_view(request: HttpRequest, pk: int, holder_id: int) -> HttpResponse:
    place = _managed(request, pk)
    holder = (
        MemberQualification.objects.filter(pk=holder_id, qualification__place=place)
        .select_related("member", "qualification")
        .first()
    )
    if holder is None:
        raise Http404
    try:
        qualification_revoke(qualification=holder.qualification, member=holder.member, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Training withdrawn."))
    return redirect("place-qualifications", pk=place.pk)


@login_required
def place_photos(request: HttpRequest, pk: int) -> HttpResponse:
    """The place's photos: add one (with its description), delete one (after a confirmation)."""
    place = _managed(request, pk)
    form = PlacePhotoForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                place_photo_add(
                    place=place,
                    upload=form.cleaned_data["image"],
                    alt_text=form.cleaned_data["alt_text"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                if exc.fields:
                    for field, errors in exc.fields.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, str(error))
                else:
                    image_error = exc.code in {"invalid_image", "image_too_large"}
                    form.add_error("image" if image_error else None, str(exc.message))
                status = 422
            else:
                messages.success(request, _("Photo added."))
                return redirect("place-photos", pk=place.pk)
        else:
            status = 400
    photos = list(PlacePhoto.objects.filter(place=place))
    return render(
        request,
        "places/photos.html",
        {"place": place, "photos": photos, "form": form, "max_photos": MAX_PHOTOS, "full": len(photos) >= MAX_PHOTOS},
        status=status,
    )


@login_required
def place_photo_delete_view(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    """GET: the confirmation; POST: delete the photo."""
    place = _managed(request, pk)
    photo = PlacePhoto.objects.filter(pk=photo_id, place=place).first()
    if photo is None:
        raise Http404
    if request.method != "POST":
        return render(request, "places/photo_delete.html", {"place": place, "photo": photo})
    try:
        place_photo_delete(photo=photo, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Photo deleted."))
    return redirect("place-photos", pk=place.pk)


urlpatterns = [
    path("places/manage/", place_manage_home, name="place-manage-home"),
    path("places/<int:pk>/manage/", place_manage, name="place-manage"),
    path("places/<int:pk>/manage/counter/", counter_booking_new, name="place-counter-booking"),
    path("places/<int:pk>/manage/bookings/<int:booking_id>/<str:action>/", booking_action, name="place-booking-action"),
    path("places/<int:pk>/qualifications/", place_qualifications, name="place-qualifications"),
    path(
        "places/<int:pk>/qualifications/<int:holder_id>/revoke/",
        qualification_revoke_view,
        name="place-qualification-revoke",
    ),
    path("places/<int:pk>/photos/", place_photos, name="place-photos"),
    path("places/<int:pk>/photos/<int:photo_id>/delete/", place_photo_delete_view, name="place-photo-delete"),
]
