"""Refusals of the time bank, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class ServiceRecordConfirmed(ApplicationError):
    code = "service_record_confirmed"
    default_message = _("This service has already been confirmed and paid.")


class ServiceRecordDeclined(ApplicationError):
    code = "service_record_declined"
    default_message = _("This service record was declined.")


class NotAnAssociation(ApplicationError):
    code = "not_an_association"
    default_message = _("Only an association's time account can reward volunteers.")
