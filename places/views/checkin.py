"""Check-in by QR code: the member's page shows a fresh code every minute (/me/check-in/); a
manager of the place scans it with the phone's camera, which opens /places/check-in/<token>/
(logged in): the member's name and their bookings of the moment at the places this manager
manages, each with a "Valider l’arrivée" button. An expired or forged code: 400, nothing written;
someone who manages no place: 404, nothing shown."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.qr import qr_svg
from members.selectors import member_or_none
from places.errors import CheckInCodeInvalid
from places.selectors.bookings import member_upcoming_bookings
from places.selectors.checkin import checkin_candidates, manages_any_place
from places.services.checkin import CONFIRM_GRACE, checkin_by_code, checkin_code, checkin_code_member

# The member's page shows a new code this often (a code lives 5 minutes).
REFRESH_SECONDS = 60


@login_required
def my_checkin(request: HttpRequest) -> HttpResponse:
    member = member_or_none(request.user)
    if member is None:
        raise Http404
    now = timezone.now()
    url = request.build_absolute_uri(reverse("place-check-in-scan", args=[checkin_code(member, now=now)]))
    today = [
        b
        for b in member_upcoming_bookings(member.pk, now=now)
        if timezone.localdate(b.start) == timezone.localdate(now)
    ]
    response = render(
        request,
        "places/checkin_me.html",
        {
            "qr": qr_svg(url, title=_("My check-in code")),
            "url": url,
            "refresh": REFRESH_SECONDS,
            "today": today,
            "member": member,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def checkin_scan(request: HttpRequest, token: str) -> HttpResponse:
    if not manages_any_place(request.user):
        raise Http404
    now = timezone.now()
    # The manager who opened the page in time has a few minutes more to press the button.
    grace = CONFIRM_GRACE if request.method == "POST" else dt.timedelta()
    try:
        member = checkin_code_member(token, now=now, grace=grace)
    except CheckInCodeInvalid as exc:
        return render(request, "places/checkin_invalid.html", {"message": exc.message}, status=400)
    status = 200
    if request.method == "POST":
        booking_id = request.POST.get("booking", "")
        try:
            if not booking_id.isdigit():
                raise Http404
            booking = checkin_by_code(token=token, booking_id=int(booking_id), actor=request.user, now=now)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            status = 422 if exc.status == 422 else 404
        else:
            messages.success(
                request,
                _("Arrival recorded: %(member)s, %(resource)s.")
                % {"member": member.display_name, "resource": booking.resource.name},
            )
    response = render(
        request,
        "places/checkin_scan.html",
        {"member": member, "bookings": list(checkin_candidates(request.user, member, now=now)), "token": token},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("me/check-in/", my_checkin, name="my-check-in"),
    path("places/check-in/<str:token>/", checkin_scan, name="place-check-in-scan"),
]
