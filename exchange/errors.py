"""The marketplace's domain errors, each with a stable `code` (the API answers it, the pages show the message)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, NotFound

# --- listings ---------------------------------------------------------------------------------


class ListingNotEditable(ApplicationError):
    code = "listing_not_editable"
    default_message = gettext_lazy("This listing is closed: it can no longer be changed.")


class ListingHidden(ApplicationError):
    code = "listing_hidden"
    default_message = gettext_lazy("This listing was hidden by a moderator: it cannot be changed.")


class ListingNotActive(ApplicationError):
    code = "listing_not_active"
    default_message = gettext_lazy("Only an active listing can be paused.")


class TooManyPhotos(ApplicationError):
    code = "too_many_photos"
    default_message = gettext_lazy("A listing has at most 6 photos.")


# --- exchanges --------------------------------------------------------------------------------


class TransitionNotAllowed(ApplicationError):
    code = "transition_not_allowed"
    default_message = gettext_lazy("This action is not possible on this exchange now, or not for you.")


class ExchangeNotFound(NotFound):
    default_message = gettext_lazy("Exchange not found.")


class ListingNotAvailable(ApplicationError):
    code = "listing_not_available"
    default_message = gettext_lazy("This listing is not open to exchanges.")


class AlreadyReviewed(ApplicationError):
    code = "already_reviewed"
    default_message = gettext_lazy("You have already reviewed this exchange.")


class NotReviewable(ApplicationError):
    code = "not_reviewable"
    default_message = gettext_lazy("An exchange can be reviewed once it has been paid.")
