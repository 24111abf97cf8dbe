"""Reads of payment requests."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from core.typing import RequestUser
from currency.errors import PaymentRequestNotFound
from currency.models import PaymentRequest
from ledger.selectors import can_read_everything


def payment_requests_of(user: RequestUser) -> QuerySet[PaymentRequest]:
    """The requests asking to be paid into the user's own accounts, newest first."""
    if user.pk is None:
        return PaymentRequest.objects.none()
    return (
        PaymentRequest.objects.select_related("payee_account__holder", "paid_by")
        .filter(payee_account__holder__user_id=user.pk)
        .order_by("-id")
    )


def _token(raw: object) -> uuid.UUID:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError:
        raise PaymentRequestNotFound() from None


def payment_request_by_token(*, token: object) -> PaymentRequest:
    """A request by its token, for whoever holds the link (the token is the capability)."""
    found = (
        PaymentRequest.objects.select_related("payee_account__holder", "paid_by").filter(token=_token(token)).first()
    )
    if found is None:
        raise PaymentRequestNotFound()
    return found


def payment_request_get_for_payee(*, user: RequestUser, token: object) -> PaymentRequest:
    """A request the user asked for (staff and auditors: any); NotFound otherwise."""
    found = payment_request_by_token(token=token)
    holder = found.payee_account.holder
    if can_read_everything(user) or (holder is not None and holder.user_id == user.pk):
        return found
    raise PaymentRequestNotFound()
