"""The calendars' addresses: a member's private feed (no session: the token is the key) and a
resource's busy times (public for a public place), both text/calendar; the "new link" button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import NotFound
from members.selectors import member_or_none
from places import calendar
from places.selectors import pages

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# The link is shown once after "new link": kept in the session for the next page only.
SESSION_KEY = "places_calendar_token"


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    member = calendar.calendar_feed_member(token)
    if member is None:
        raise Http404
    response = _ics(calendar.member_calendar(member), "bookings.ics")
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def resource_busy(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        resource = pages.resource_get_visible(None, pk)
    except NotFound:
        raise Http404 from None
    return _ics(calendar.busy_calendar(resource), f"resource-{resource.pk}-busy.ics")


@login_required
@require_POST
def feed_renew(request: HttpRequest) -> HttpResponse:
    member = member_or_none(request.user)
    if member is None:
        raise Http404
    token = calendar.calendar_feed_renew(member=member, actor=request.user)
    request.session[SESSION_KEY] = token
    messages.success(request, _("Your new calendar link is ready; the former one no longer works."))
    return redirect("my-bookings")


urlpatterns = [
    path("calendar/<str:token>.ics", member_feed, name="calendar-feed"),
    path("places/resources/<int:pk>/busy.ics", resource_busy, name="resource-busy-ics"),
    path("me/bookings/calendar/", feed_renew, name="calendar-feed-renew"),
]
