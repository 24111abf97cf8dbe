"""The places' notifications: on the site, and by mail when the member wants it (core.notifications).

Written in the action's transaction, so nothing is sent for a rolled-back change; the mail is
written in the member's language (their choice, else the site's).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from core import l10n
from core.notifications import NotificationKind, notify
from ledger.notifications import reason_text
from places.models import Booking, PlaceManager, Subscription

GROUP = gettext_lazy("Places")

# The member's bookings page (built with the pages of the places).
BOOKINGS_PATH = "/me/bookings/"

NOTIFICATION_KINDS = (
    NotificationKind(
        code="booking_confirmed",
        label=gettext_lazy("My booking of a place is confirmed"),
        group=GROUP,
        message=gettext_lazy("Your booking of %(resource)s (%(place)s) on %(when)s is confirmed."),
        emailed_by_default=False,
    ),
    NotificationKind(
        code="booking_cancelled_by_place",
        label=gettext_lazy("A place cancels one of my bookings"),
        group=GROUP,
        message=gettext_lazy(
            "%(place)s cancelled your booking of %(resource)s on %(when)s: %(reason)s. Nothing was paid."
        ),
    ),
    NotificationKind(
        code="plan_payment_missed",
        label=gettext_lazy("A member's plan at a place I manage could not be paid"),
        group=GROUP,
        message=gettext_lazy("The %(plan)s plan of %(member)s could not be paid for %(period)s: %(reason)s."),
    ),
)


def _when(booking: Booking, language: str) -> str:
    """`8 décembre 2026, 10:00–12:00` in the member's language (wall time of the place)."""
    start = timezone.localtime(booking.start)
    end = timezone.localtime(booking.end)
    day = l10n.format_long_date(start.date(), language=language)
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    return f"{day}, {start:%H:%M} – {l10n.format_long_date(end.date(), language=language)}, {end:%H:%M}"


def _params(booking: Booking) -> dict[str, str]:
    language = _language(booking)
    return {"resource": booking.resource.name, "place": booking.resource.place.name, "when": _when(booking, language)}


def _language(booking: Booking) -> str:
    return booking.member.language if booking.member is not None and booking.member.language else settings.LANGUAGE_CODE


def booking_confirmed_notify(booking: Booking) -> None:
    """Tell the member their booking is confirmed (on the site; by mail if they asked for it);
    nothing for a guest booked at the counter (no account to tell)."""
    if booking.member is None:
        return
    params = _params(booking)
    with override(_language(booking)):
        subject = _("Booking confirmed: %(resource)s, %(when)s") % params
        body = _("Your booking of %(resource)s (%(place)s) on %(when)s is confirmed.") % params
    notify(booking.member.user, "booking_confirmed", params, BOOKINGS_PATH, email=(subject, body))


def booking_cancelled_by_place_notify(booking: Booking, reason: str) -> None:
    """Tell the member a manager (or staff) cancelled their booking, with the reason; nothing for a
    guest booked at the counter (the manager calls them)."""
    if booking.member is None:
        return
    with override(_language(booking)):
        params = {**_params(booking), "reason": reason or _("no reason given")}
        subject = _("Your booking of %(resource)s on %(when)s was cancelled") % params
        body = (
            _(
                "%(place)s cancelled your booking of %(resource)s on %(when)s.\n\nReason: %(reason)s\n\n"
                "Nothing was paid: the amount held for it is available again."
            )
            % params
        )
    notify(
        booking.member.user,
        "booking_cancelled_by_place",
        params,
        BOOKINGS_PATH,
        email=(subject, body),
        dedupe_key=f"booking-cancelled:{booking.pk}",
    )


def plan_payment_missed_notify(subscription: Subscription, period: str, reason: str) -> None:
    """Tell the managers of the plan's place (the payee: the place's account) that a period of a
    member's plan could not be paid, once per period (the member is told by the ledger, as the payer
    of any standing order). A network plan is paid to the cooperative: its staff read it in the admin."""
    plan = subscription.plan
    if plan.place_id is None:
        return
    managers = PlaceManager.objects.filter(place_id=plan.place_id).select_related("member__user").order_by("pk")
    for manager in managers:
        with override(manager.member.mail_language):
            params = {
                "plan": plan.name,
                "member": subscription.member.display_name,
                "period": period,
                "reason": reason_text(reason),
            }
            subject = _("A plan could not be paid: %(plan)s, %(member)s") % params
            body = _("The %(plan)s plan of %(member)s could not be paid for %(period)s: %(reason)s.") % params
        notify(
            manager.member.user,
            "plan_payment_missed",
            params,
            f"/places/{plan.place_id}/manage/",
            email=(subject, body),
            dedupe_key=f"plan-payment-missed:{subscription.pk}:{period}",
        )
