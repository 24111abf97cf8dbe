"""The local currency's domain errors, each with a stable `code` (the API answers it, the pages show
the message). The time bank's are beside its services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, NotFound

# --- exchange offices ------------------------------------------------------------------------


class ComptoirInactive(ApplicationError):
    code = "comptoir_inactive"
    default_message = gettext_lazy("This exchange office is closed.")


# --- reconversions ---------------------------------------------------------------------------


class ReconversionBusinessesOnly(ApplicationError):
    code = "reconversion_businesses_only"
    default_message = gettext_lazy("Only businesses may turn ACH back into euros.")


class IbanMissing(ApplicationError):
    code = "iban_missing"
    default_message = gettext_lazy("Add an IBAN to your profile first: the euros are paid by bank transfer.")


class IbanRecentlyChanged(ApplicationError):
    code = "iban_recently_changed"
    default_message = gettext_lazy("The IBAN of this business changed recently: its reconversions wait a few days.")


class ReconversionNotPending(ApplicationError):
    code = "reconversion_not_pending"
    default_message = gettext_lazy("This reconversion has already been decided.")


class NothingToExport(ApplicationError):
    code = "nothing_to_export"
    default_message = gettext_lazy("No approved reconversion is waiting for a transfer.")


# --- payment requests ------------------------------------------------------------------------


class PaymentRequestNotFound(NotFound):
    code = "not_found"


class PaymentRequestPaid(ApplicationError):
    code = "payment_request_paid"
    default_message = gettext_lazy("This payment request has already been paid.")


class PaymentRequestExpired(ApplicationError):
    code = "payment_request_expired"
    default_message = gettext_lazy("This payment request has expired.")


class PaymentRequestCancelled(ApplicationError):
    code = "payment_request_cancelled"
    default_message = gettext_lazy("This payment request was cancelled.")


# --- the territory file ----------------------------------------------------------------------


class TerritoryMismatch(ApplicationError):
    code = "territory_mismatch"
    default_message = gettext_lazy("The running settings do not use this territory's currency.")


class TerritoryInvalid(ApplicationError):
    code = "territory_invalid"
    default_message = gettext_lazy("The territory's file cannot be applied.")
