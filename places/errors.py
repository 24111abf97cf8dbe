"""The places' domain errors, each with a stable `code` (the API answers it, the pages show the message)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, InvalidInput, NotFound


class SlotUnavailable(ApplicationError):
    code = "slot_unavailable"
    default_message = gettext_lazy("This time is no longer free: choose another one.")


class OutsideOpeningHours(ApplicationError):
    code = "outside_opening_hours"
    default_message = gettext_lazy(
        "The place is not open for the whole of this time, or the booking does not start at an opening time "
        "or a whole number of steps after it."
    )


class InvalidDuration(ApplicationError):
    code = "invalid_duration"
    default_message = gettext_lazy("This duration is not possible for this resource.")


class TooFarAhead(ApplicationError):
    code = "too_far_ahead"
    default_message = gettext_lazy("This resource cannot be booked that far ahead yet.")


class InThePast(ApplicationError):
    code = "in_the_past"
    default_message = gettext_lazy("This time has already started or is too close to book.")


class UnitNotAccepted(ApplicationError):
    code = "unit_not_accepted"
    default_message = gettext_lazy("This resource cannot be paid in this unit.")


class QualificationRequired(ApplicationError):
    code = "qualification_required"
    default_message = gettext_lazy("This machine needs a training first: ask the place's managers.")


class MembershipExpired(ApplicationError):
    code = "membership_expired"
    default_message = gettext_lazy("This resource is for members: renew your membership first.")


class BookingNotCancellable(ApplicationError):
    code = "booking_not_cancellable"
    default_message = gettext_lazy("This booking can no longer be cancelled.")


class CheckInNotAllowed(ApplicationError):
    code = "check_in_not_allowed"
    default_message = gettext_lazy("This booking cannot be checked in now.")


class SeriesTooLong(ApplicationError):
    code = "series_too_long"
    default_message = gettext_lazy("A weekly series has at most 53 occurrences: choose a shorter term.")


class SeriesNotFound(NotFound):
    default_message = gettext_lazy("This booking series does not exist or is not yours.")


class SeriesEmpty(ApplicationError):
    code = "series_empty"
    default_message = gettext_lazy("No date of this term falls on this weekday.")


class CheckInCodeInvalid(ApplicationError):
    code = "check_in_code_invalid"
    status = 400
    default_message = gettext_lazy("This check-in code has expired or is not valid: ask the member to show it again.")


class ResourceNotFound(NotFound):
    default_message = gettext_lazy("Resource not found.")


class PlaceNotFound(NotFound):
    default_message = gettext_lazy("Place not found.")


class BookingNotFound(NotFound):
    default_message = gettext_lazy("Booking not found.")


class AvailabilityRangeTooLong(InvalidInput):
    code = "range_too_long"
    default_message = gettext_lazy("Ask for at most 31 days at a time.")


class AvailabilityOutOfBounds(InvalidInput):
    code = "range_out_of_bounds"
    default_message = gettext_lazy("Availability can be read from a year back to a year ahead.")


class NoShowNotAllowed(ApplicationError):
    code = "no_show_not_allowed"
    default_message = gettext_lazy("This booking cannot be marked as a no-show: it has not started or is settled.")


class TooManyPhotos(ApplicationError):
    code = "too_many_photos"
    default_message = gettext_lazy("A place has at most 8 photos: delete one first.")


class MembersOnly(ApplicationError):
    code = "members_only"
    default_message = gettext_lazy("This resource is for members only: it cannot be booked for a guest.")


class PlanNotFound(NotFound):
    default_message = gettext_lazy("Plan not found.")


class PassOfferNotFound(NotFound):
    default_message = gettext_lazy("Carnet offer not found.")


class SubscriptionNotFound(NotFound):
    default_message = gettext_lazy("Subscription not found.")


class NotOnSale(ApplicationError):
    code = "not_on_sale"
    default_message = gettext_lazy("This is no longer on sale.")


class AlreadySubscribed(ApplicationError):
    code = "already_subscribed"
    default_message = gettext_lazy("You already have this plan.")


class SubscriptionEnded(ApplicationError):
    code = "subscription_ended"
    default_message = gettext_lazy("This plan has already ended or been cancelled.")
