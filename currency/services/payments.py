"""Payment requests: a business asks to be paid, the payer opens the link (a QR code) and confirms.

Paying locks the request row first, then the two accounts (ascending ids, as every posting
does), posts the transfer and marks the request paid in one database transaction. A second
payment of the same request waits for the first lock and then finds it paid: nothing is
written twice. The ledger's idempotency key `payment-request:<id>` makes it true a second time.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from currency.errors import PaymentRequestCancelled, PaymentRequestExpired, PaymentRequestPaid
from currency.memos import PAYMENT_REQUEST
from currency.models import PaymentRequest
from ledger import memos
from ledger.errors import AccountClosed, AccountFrozen, AccountNotFound, InvalidAmount, UnitMismatch
from ledger.models import Account
from ledger.selectors import account_get
from ledger.services import transfer_create
from ledger.units import get_unit

__all__ = [
    "payment_request_cancel",
    "payment_request_create",
    "payment_request_pay",
]


def _may_act_for(account: Account, actor: Actor) -> bool:
    """The holder of the account (or staff) acts for it."""
    user = acting_user(actor)
    if user is None:
        return actor is None  # the system itself (tasks, shell)
    if user.is_staff:
        return True
    return account.holder is not None and account.holder.user_id == user.pk


def payment_request_is_expired(request: PaymentRequest, now: datetime | None = None) -> bool:
    return request.expires_at is not None and request.expires_at <= (now or timezone.now())


def payment_request_create(
    *, payee_account: Account, amount: Money, memo: str = "", actor: Actor, expires_at: datetime | None = None
) -> PaymentRequest:
    """Ask to be paid `amount` into the payee's own member account (ACH, HRS or GRN).

    Raises AccountNotFound (not a member account), PermissionDenied (not the payee's account),
    UnitMismatch, InvalidAmount, InvalidInput (expiry in the past), AccountFrozen, AccountClosed.
    """
    if payee_account.kind != Account.Kind.MEMBER or not get_unit(payee_account.unit).member_account:
        raise AccountNotFound()
    user = acting_user(actor)
    if user is None:  # a request is always someone's (created_by is required)
        raise PermissionDenied(_("Log in to ask for a payment."))
    if not _may_act_for(payee_account, user):
        raise PermissionDenied(_("You may only ask to be paid into your own account."))
    unit = get_unit(payee_account.unit)
    if str(amount.currency) != unit.code:
        raise UnitMismatch(
            _("The amount is in %(given)s, not %(expected)s.") % {"given": amount.currency, "expected": unit.code}
        )
    minor = unit.to_minor(amount)
    if minor <= 0:
        raise InvalidAmount(_("The amount must be greater than zero."))
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(
            _("The expiry date must be in the future."), fields={"expires_at": [_("Must be in the future.")]}
        )
    if payee_account.status == Account.Status.FROZEN:
        raise AccountFrozen()
    if payee_account.status == Account.Status.CLOSED:
        raise AccountClosed()
    return PaymentRequest.objects.create(
        payee_account=payee_account,
        amount=minor,
        memo=memo[:255],
        created_by=user,
        expires_at=expires_at,
    )


def _check_payable(request: PaymentRequest, now: datetime) -> None:
    if request.status == PaymentRequest.Status.PAID:
        raise PaymentRequestPaid()
    if request.status == PaymentRequest.Status.CANCELLED:
        raise PaymentRequestCancelled()
    if payment_request_is_expired(request, now):
        raise PaymentRequestExpired()


def payment_request_pay(*, request: PaymentRequest, payer_account: Account, actor: Actor) -> PaymentRequest:
    """Pay an open request from `payer_account`: one transfer, the request marked paid, together.

    Raises PaymentRequestPaid, PaymentRequestCancelled, PaymentRequestExpired, SameAccount,
    UnitMismatch, MembershipExpired, and the ledger's refusals (InsufficientFunds, AccountFrozen…).
    """

    def attempt() -> PaymentRequest:
        with transaction.atomic(durable=True):
            locked = PaymentRequest.objects.select_for_update().get(pk=request.pk)
            _check_payable(locked, timezone.now())
            payee = account_get(locked.payee_account_id)
            unit = get_unit(payee.unit)
            amount = unit.to_money(locked.amount)
            # The request row is locked first, then the transfer locks the two accounts: one
            # payment per request, committed with the request's new status.
            txn = transfer_create(
                from_account=payer_account,
                to_account=payee,
                amount=amount,
                memo=locked.memo or memos.memo(PAYMENT_REQUEST, id=locked.pk),
                actor=actor,
                idempotency_key=f"payment-request:{locked.pk}",
            )
            locked.status = PaymentRequest.Status.PAID
            locked.transaction = txn
            locked.paid_by = payer_account.holder
            locked.save(update_fields=["status", "transaction", "paid_by"])
            return locked

    return with_retries(attempt)


def payment_request_cancel(*, request: PaymentRequest, actor: Actor) -> PaymentRequest:
    """The payee withdraws an open request (cancelling twice is harmless).

    Raises PermissionDenied (not the payee), PaymentRequestPaid.
    """
    payee = account_get(request.payee_account_id)
    if not _may_act_for(payee, actor):
        raise PermissionDenied(_("Only the payee may cancel a payment request."))

    def attempt() -> PaymentRequest:
        with transaction.atomic(durable=True):
            locked = PaymentRequest.objects.select_for_update().get(pk=request.pk)
            if locked.status == PaymentRequest.Status.PAID:
                raise PaymentRequestPaid()
            if locked.status == PaymentRequest.Status.OPEN:
                locked.status = PaymentRequest.Status.CANCELLED
                locked.save(update_fields=["status"])
            return locked

    return with_retries(attempt)
