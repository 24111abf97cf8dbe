"""Domain errors: every business rule that refuses something raises one, with a stable code."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refusal a user can understand. `code` is stable; `message` is translated."""

    code = "error"
    status = 422
    default_message: Any = _("The operation was refused.")

    def __init__(self, message: Any = None, *, fields: dict[str, Any] | None = None, **params: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields
        self.params = params
        super().__init__(str(self.message))


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = _("You may not do this.")


class InvalidInput(ApplicationError):
    code = "invalid"
    status = 400
    default_message = _("The request is invalid.")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = _("The same request is still being processed.")


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different request.")
