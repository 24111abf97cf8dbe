"""The places' audited actions, each as a sentence in the reader's language (core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import OBJECT_UNIT, AuditActionSpec

AUDIT_ACTIONS = [
    AuditActionSpec(
        "booking_create",
        _("Booked %(label)s for %(person)s (%(seats)s seat(s), %(price)s)"),
        amounts=(("price", OBJECT_UNIT),),
    ),
    AuditActionSpec(
        "booking_create_at_counter",
        _("Booked %(label)s for a guest at the counter (%(seats)s seat(s), %(price)s)"),
        amounts=(("price", OBJECT_UNIT),),
    ),
    AuditActionSpec(
        "booking_cancel",
        _("Cancelled the booking %(label)s of %(person)s (kept %(fee)s): %(reason)s"),
        amounts=(("fee", OBJECT_UNIT),),
    ),
    AuditActionSpec(
        "booking_series_create",
        _("Booked %(label)s every week for %(person)s, from %(first_date)s to %(last_date)s"),
    ),
    AuditActionSpec("booking_series_cancel", _("Cancelled the weekly series %(label)s of %(person)s")),
    AuditActionSpec("booking_check_in", _("Checked in %(person)s for %(label)s")),
    AuditActionSpec(
        "booking_no_show",
        _("Marked %(person)s absent from %(label)s (kept %(fee)s)"),
        amounts=(("fee", OBJECT_UNIT),),
    ),
    AuditActionSpec("qualification_grant", _("Recorded the training “%(qualification)s” of %(person)s")),
    AuditActionSpec("calendar_feed_renew", _("Made a new private calendar link")),
    AuditActionSpec("place_photo_add", _("Added a photo to %(place)s: “%(alt)s”")),
    AuditActionSpec("place_photo_delete", _("Deleted a photo of %(place)s: “%(alt)s”")),
    AuditActionSpec("qualification_revoke", _("Withdrew the training “%(qualification)s” of %(person)s")),
    AuditActionSpec("carnet_buy", _("Bought the carnet %(label)s for %(person)s")),
    AuditActionSpec("plan_subscribe", _("Subscribed %(person)s to the plan %(label)s")),
    AuditActionSpec("subscription_cancel", _("Cancelled the plan %(label)s of %(person)s")),
]
