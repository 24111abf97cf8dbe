"""Reconversions ACH → € (businesses only): requested, approved (posted) or rejected, paid by SEPA.

Approval posts the docs/ARCHITECTURE.md flow in one ledger transaction: ACH business −x, issuance +x ·
EUR guarantee_fund −x, world +(x − fee), fees +fee. The row changes with it, or neither does.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.amounts import fee_for as fee_at_rate
from core.audit import audit_record
from core.errors import InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from currency.errors import (
    IbanMissing,
    IbanRecentlyChanged,
    NothingToExport,
    ReconversionBusinessesOnly,
    ReconversionNotPending,
)
from currency.kinds import RECONVERSION
from currency.memos import RECONVERSION as RECONVERSION_MEMO
from currency.models import Reconversion, SepaExport
from currency.selectors.reconversions import may_manage_reconversions
from currency.sepa import SepaTransfer, build_pain_001, new_message_id
from ledger import memos
from ledger.errors import InsufficientFunds, InvalidAmount
from ledger.models import Account
from ledger.selectors import member_account
from ledger.services import system_account, transaction_post
from ledger.units import get_unit
from members.errors import MemberClosed
from members.models import Member
from members.selectors import iban_held_until

FIAT_UNIT = "EUR"
LOCAL_UNIT = settings.BOCAGE_LOCAL_UNIT


def fee_for(amount: int) -> int:
    """The reconversion fee in cents: amount × rate, rounded to the cent, half up."""
    return fee_at_rate(amount, Decimal(str(settings.BOCAGE_RECONVERSION_FEE_RATE)))


def _require_staff(actor: Actor, message: str) -> None:
    if actor is None or not may_manage_reconversions(actor):
        raise PermissionDenied(message)


def reconversion_request(*, member: Member, amount: Money, actor: Actor) -> Reconversion:
    """A business asks to turn `amount` ACH into euros, paid to its IBAN.

    Raises PermissionDenied (neither the member nor staff), ReconversionBusinessesOnly,
    MemberClosed, IbanMissing, InvalidAmount, UnitMismatch, InsufficientFunds.
    """
    user = acting_user(actor)
    if user is None or not (user.is_staff or member.user_id == user.pk):
        raise PermissionDenied(_("Only the business itself may ask for a reconversion."))
    if member.kind != Member.Kind.BUSINESS:
        raise ReconversionBusinessesOnly()
    if member.status == Member.Status.CLOSED:
        raise MemberClosed()
    if not member.iban:
        raise IbanMissing()
    unit = get_unit(LOCAL_UNIT)
    minor = unit.to_minor(amount)
    if minor <= 0:
        raise InvalidAmount(_("The amount must be greater than zero."))
    with transaction.atomic(durable=True):
        account = member_account(member, LOCAL_UNIT)
        available = account.available
        if available is not None and minor > available:
            raise InsufficientFunds(
                _("Not enough available: %(available)s available.") % {"available": unit.format(available)}
            )
        return Reconversion.objects.create(
            member=member,
            amount=minor,
            iban=member.iban,
            bic=member.bic,
            requested_by=user,
        )


def _lock_requested(reconversion: Reconversion) -> Reconversion:
    locked = Reconversion.objects.select_for_update().select_related("member").get(pk=reconversion.pk)
    if locked.status != Reconversion.Status.REQUESTED:
        raise ReconversionNotPending()
    return locked


def _refuse_if_iban_held(member: Member) -> None:
    """A business whose IBAN changed within BOCAGE_IBAN_CHANGE_HOLD_DAYS waits (a stolen login
    changing the IBAN and cashing out at once is the classic fraud)."""
    until = iban_held_until(member)
    if until is not None:
        raise IbanRecentlyChanged(
            _("The IBAN of %(name)s changed on %(changed)s: its reconversions may be approved from %(date)s.")
            % {
                "name": member.display_name,
                "changed": date_format(timezone.localtime(member.iban_changed_at), "DATETIME_FORMAT"),
                "date": date_format(timezone.localtime(until), "DATETIME_FORMAT"),
            }
        )


def reconversion_approve(*, reconversion: Reconversion, actor: Actor) -> Reconversion:
    """Post the reconversion (fee kept) and mark it approved, for the next SEPA export.

    Raises PermissionDenied (not staff), ReconversionNotPending, IbanRecentlyChanged (the business's
    IBAN changed less than BOCAGE_IBAN_CHANGE_HOLD_DAYS ago), and the ledger's refusals
    (InsufficientFunds if the business no longer has the ACH, AccountFrozen, AccountClosed).
    """
    _require_staff(actor, _("Only the association's staff may approve a reconversion."))
    euros, local = get_unit(FIAT_UNIT), get_unit(LOCAL_UNIT)

    def attempt() -> Reconversion:
        with transaction.atomic(durable=True):
            locked = _lock_requested(reconversion)
            _refuse_if_iban_held(locked.member)
            amount = locked.amount
            fee = fee_for(amount)
            legs = [
                (member_account(locked.member, LOCAL_UNIT), -local.to_money(amount)),
                (system_account(Account.SystemCode.ISSUANCE, LOCAL_UNIT), local.to_money(amount)),
                (system_account(Account.SystemCode.GUARANTEE_FUND, FIAT_UNIT), -euros.to_money(amount)),
            ]
            if amount - fee:
                legs.append((system_account(Account.SystemCode.WORLD, FIAT_UNIT), euros.to_money(amount - fee)))
            if fee:
                legs.append((system_account(Account.SystemCode.FEES, FIAT_UNIT), euros.to_money(fee)))
            memo = memos.memo(RECONVERSION_MEMO, id=locked.pk, member=locked.member)
            txn = transaction_post(
                legs=legs,
                kind=RECONVERSION,
                memo=memo,
                actor=actor,
                idempotency_key=f"reconversion:{locked.pk}",
            )
            locked.status = Reconversion.Status.APPROVED
            locked.fee = fee
            locked.transaction = txn
            locked.decided_at = timezone.now()
            locked.decided_by = acting_user(actor)
            locked.save(update_fields=["status", "fee", "transaction", "decided_at", "decided_by"])
            audit_record(
                actor=actor, action="reconversion_approve", target=locked, amount=amount, fee=fee, transaction=txn.pk
            )
            return locked

    return with_retries(attempt)


def reconversion_reject(*, reconversion: Reconversion, actor: Actor, reason: str) -> Reconversion:
    """Refuse a requested reconversion, saying why. Raises PermissionDenied, InvalidInput, ReconversionNotPending."""
    _require_staff(actor, _("Only the association's staff may reject a reconversion."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the request is rejected.")]})
    if len(reason) > 255:
        raise InvalidInput(fields={"reason": [_("At most 255 characters.")]})
    with transaction.atomic(durable=True):
        locked = _lock_requested(reconversion)
        locked.status = Reconversion.Status.REJECTED
        locked.rejection_reason = reason
        locked.decided_at = timezone.now()
        locked.decided_by = acting_user(actor)
        locked.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
        audit_record(actor=actor, action="reconversion_reject", target=locked, reason=reason)
        return locked


def held_after_approval(reconversion: Reconversion) -> bool:
    """True while an approved reconversion waits: its business changed its IBAN after the approval,
    within the hold."""
    member = reconversion.member
    return (
        reconversion.decided_at is not None
        and member.iban_changed_at is not None
        and member.iban_changed_at > reconversion.decided_at
        and iban_held_until(member) is not None
    )


def sepa_export_create(*, actor: Actor) -> SepaExport:
    """Put every approved, not yet exported reconversion into one pain.001 file and mark them exported.

    Left out until their hold ends: those whose business changed its IBAN after the approval, less
    than BOCAGE_IBAN_CHANGE_HOLD_DAYS ago (a later export takes them). Safe to run twice: the second
    run finds nothing new. Raises PermissionDenied, NothingToExport.
    """
    _require_staff(actor, _("Only the association's staff may export transfers."))
    user = acting_user(actor)
    assert user is not None
    euros = get_unit(FIAT_UNIT)
    with transaction.atomic(durable=True):
        due = list(
            Reconversion.objects.select_for_update()
            .filter(status=Reconversion.Status.APPROVED, export__isnull=True)
            .select_related("member")
            .order_by("id")
        )
        due = [reconversion for reconversion in due if not held_after_approval(reconversion)]
        if not due:
            raise NothingToExport()
        now = timezone.now()
        message_id = new_message_id(now)
        transfers = [
            SepaTransfer(
                end_to_end_id=f"BOCAGE-RECONV-{reconversion.pk}",
                amount=euros.to_decimal(reconversion.amount - reconversion.fee),
                creditor_name=reconversion.member.display_name,
                iban=reconversion.iban,
                bic=reconversion.bic,
                remittance=f"Bocage reconversion ACH {reconversion.pk}",
            )
            for reconversion in due
        ]
        xml = build_pain_001(
            message_id=message_id,
            created_at=timezone.localtime(now),
            execution_date=timezone.localdate(now),
            debtor_name=settings.BOCAGE_ASSOCIATION_NAME,
            debtor_iban=settings.BOCAGE_ASSOCIATION_IBAN,
            debtor_bic=settings.BOCAGE_ASSOCIATION_BIC,
            transfers=transfers,
        )
        export = SepaExport.objects.create(
            message_id=message_id,
            created_at=now,
            created_by=user,
            total=sum(reconversion.amount - reconversion.fee for reconversion in due),
            count=len(due),
            xml=xml,
        )
        Reconversion.objects.filter(pk__in=[reconversion.pk for reconversion in due]).update(
            status=Reconversion.Status.EXPORTED, export=export
        )
        audit_record(
            actor=actor,
            action="reconversion_payment",
            target=export,
            reason=message_id,
            reconversions=[reconversion.pk for reconversion in due],
            total=export.total,
        )
        return export
