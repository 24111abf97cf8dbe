"""Conversions at a comptoir: euros paid in, the same amount of ACH issued (1 € = 1 ACH).

One ledger transaction per conversion (docs/ARCHITECTURE.md, Flows): EUR world −x, guarantee_fund +x ·
ACH issuance −x, member +x. The Conversion row commits with it, or neither does.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from currency.errors import ComptoirInactive
from currency.kinds import CONVERSION
from currency.memos import CONVERSION as CONVERSION_MEMO
from currency.models import Comptoir, Conversion
from ledger import memos
from ledger.errors import IdempotencyKeyReused, InvalidAmount, MembershipExpired
from ledger.models import Account
from ledger.selectors import member_account
from ledger.services import system_account, transaction_post
from ledger.units import get_unit
from members.errors import MemberClosed
from members.models import Member

FIAT_UNIT = "EUR"
LOCAL_UNIT = settings.BOCAGE_LOCAL_UNIT


def may_record_at(user: Actor, comptoir: Comptoir) -> bool:
    """Staff of the association, or staff attached to this comptoir."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return comptoir.staff.filter(pk=user.pk).exists()


def member_check_can_receive(member: Member) -> None:
    """A closed member or an expired membership receives no new ACH. Raises MemberClosed, MembershipExpired."""
    if member.status == Member.Status.CLOSED:
        raise MemberClosed(_("%(member)s is closed: no conversion is possible.") % {"member": member})
    if not member.membership_valid_on():
        raise MembershipExpired(
            _("The membership of %(member)s has expired: renew it before converting euros.") % {"member": member}
        )


def conversion_create(
    *,
    comptoir: Comptoir,
    member: Member,
    amount: Money,
    payment_method: str,
    actor: Actor,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Conversion:
    """Record euros received at a comptoir and issue the same amount of ACH to the member.

    `at` dates it in the past (the demo's history, imports).

    The same idempotency key gives back the same Conversion. Raises PermissionDenied,
    ComptoirInactive, InvalidInput (payment method), InvalidAmount, UnitMismatch, MemberClosed,
    MembershipExpired, AccountFrozen, AccountClosed, IdempotencyKeyReused.
    """
    if not may_record_at(actor, comptoir):
        raise PermissionDenied(_("Only the staff of this exchange office may record a conversion."))
    user = acting_user(actor)
    assert user is not None  # may_record_at refuses anonymous callers
    if payment_method not in Conversion.PaymentMethod.values:
        raise InvalidInput(fields={"payment_method": [_("Unknown payment method.")]})
    euros = get_unit(FIAT_UNIT)
    minor = euros.to_minor(amount)
    if minor <= 0:
        raise InvalidAmount(_("The amount must be greater than zero."))
    local = get_unit(LOCAL_UNIT)
    local_account = member_account(member, LOCAL_UNIT)
    ledger_key = f"conversion:{idempotency_key}" if idempotency_key else None
    # The method is stored as its code and shown by its label in the reader's language.
    memo = memos.memo(CONVERSION_MEMO, comptoir=comptoir.name, method=payment_method)

    def attempt() -> Conversion:
        with transaction.atomic(durable=True):
            if ledger_key is not None:
                replayed = Conversion.objects.filter(transaction__idempotency_key=ledger_key).first()
                if replayed is not None:
                    _check_same_request(replayed, comptoir, member, minor, payment_method)
                    return replayed
            if not Comptoir.objects.filter(pk=comptoir.pk, active=True).exists():
                raise ComptoirInactive()
            member_check_can_receive(Member.objects.get(pk=member.pk))
            legs = [
                (system_account(Account.SystemCode.WORLD, FIAT_UNIT), -euros.to_money(minor)),
                (system_account(Account.SystemCode.GUARANTEE_FUND, FIAT_UNIT), euros.to_money(minor)),
                (system_account(Account.SystemCode.ISSUANCE, LOCAL_UNIT), -local.to_money(minor)),
                (local_account, local.to_money(minor)),
            ]
            txn = transaction_post(
                legs=legs,
                kind=CONVERSION,
                memo=memo,
                actor=user,
                idempotency_key=ledger_key,
                at=at,
            )
            existing = Conversion.objects.filter(transaction=txn).first()
            if existing is not None:  # a twin with the same key committed first
                return existing
            return Conversion.objects.create(
                comptoir=comptoir,
                member=member,
                amount=minor,
                payment_method=payment_method,
                transaction=txn,
                actor=user,
                created_at=txn.created_at,
            )

    return with_retries(attempt)


def _check_same_request(conversion: Conversion, comptoir: Comptoir, member: Member, minor: int, method: str) -> None:
    if (conversion.comptoir_id, conversion.member_id, conversion.amount, conversion.payment_method) != (
        comptoir.pk,
        member.pk,
        minor,
        method,
    ):
        raise IdempotencyKeyReused()
