"""The time bank: a provider records the hours given, the receiver confirms (and pays) or declines;
associations reward their volunteers in hours.

Confirming locks the record row, then the two HRS accounts, posts `receiver −h, provider +h`
(ledger idempotency key `service-record:<id>`) and marks the record confirmed in one database
transaction: a record is paid at most once.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.errors import AccountNotFound, InvalidAmount, SameAccount, UnitMismatch
from ledger.models import Account, Transaction
from ledger.selectors import member_account
from ledger.services import BatchTransfer, transactions_post_batch, transfer_create
from ledger.units import get_unit
from members.models import Member
from timebank.errors import NotAnAssociation, ServiceRecordConfirmed, ServiceRecordDeclined
from timebank.memos import VOLUNTEERING
from timebank.models import ServiceRecord

__all__ = [
    "service_record_confirm",
    "service_record_create",
    "service_record_decline",
    "volunteering_reward",
    "volunteering_rewards_batch",
]

# The most volunteers one batch rewards (an event's helpers; a bigger list is split by the association).
MAX_REWARDS = 200

TIME_UNIT = "HRS"


def _is_user_of(member: Member, actor: Actor) -> bool:
    user = acting_user(actor)
    return user is not None and (user.is_staff or member.user_id == user.pk)


def _hours(hours: Money) -> int:
    unit = get_unit(TIME_UNIT)
    if str(hours.currency) != TIME_UNIT:
        raise UnitMismatch(_("Time is counted in hours (%(unit)s).") % {"unit": TIME_UNIT})
    minor = unit.to_minor(hours)
    if minor <= 0:
        raise InvalidAmount(_("The number of hours must be greater than zero."))
    return minor


def _time_account(member: Member) -> Account:
    try:
        return member_account(member, TIME_UNIT)
    except AccountNotFound:
        raise AccountNotFound(_("%(member)s has no time account.") % {"member": member}) from None


def service_record_create(
    *,
    provider: Member,
    receiver: Member,
    hours: Money,
    description: str,
    performed_on: datetime.date | None = None,
    actor: Actor,
) -> ServiceRecord:
    """The provider asks for the hours of a service given; nothing moves until the receiver confirms.

    Raises PermissionDenied (not the provider), SameAccount, UnitMismatch, InvalidAmount,
    InvalidInput (no description, a date in the future), AccountNotFound (no time account).
    """
    if not _is_user_of(provider, actor):
        raise PermissionDenied(_("Only the provider may record a service they gave."))
    if provider.pk == receiver.pk:
        raise SameAccount(_("You cannot record a service given to yourself."))
    minor = _hours(hours)
    description = description.strip()
    if not description:
        raise InvalidInput(fields={"description": [_("Say what the service was.")]})
    performed_on = performed_on or timezone.localdate()
    if performed_on > timezone.localdate():
        raise InvalidInput(fields={"performed_on": [_("The service cannot be in the future.")]})
    _time_account(provider)
    _time_account(receiver)
    return ServiceRecord.objects.create(
        provider=provider,
        receiver=receiver,
        unit=TIME_UNIT,
        amount=minor,
        description=description[:255],
        performed_on=performed_on,
    )


def _lock_pending(record: ServiceRecord) -> ServiceRecord:
    locked = ServiceRecord.objects.select_for_update().select_related("provider", "receiver").get(pk=record.pk)
    if locked.status == ServiceRecord.Status.CONFIRMED:
        raise ServiceRecordConfirmed()
    if locked.status == ServiceRecord.Status.DECLINED:
        raise ServiceRecordDeclined()
    return locked


def service_record_confirm(*, record: ServiceRecord, actor: Actor) -> ServiceRecord:
    """The receiver confirms: their hours go to the provider, once.

    Raises PermissionDenied (not the receiver), ServiceRecordConfirmed, ServiceRecordDeclined,
    MembershipExpired, and the ledger's refusals (InsufficientFunds at the credit limit,
    LimitExceeded at the provider's upper limit, AccountFrozen…).
    """
    if not _is_user_of(record.receiver, actor):
        raise PermissionDenied(_("Only the member who received the service may confirm it."))

    def attempt() -> ServiceRecord:
        with transaction.atomic(durable=True):
            locked = _lock_pending(record)
            payer = _time_account(locked.receiver)
            payee = _time_account(locked.provider)
            txn = transfer_create(
                from_account=payer,
                to_account=payee,
                amount=get_unit(TIME_UNIT).to_money(locked.amount),
                memo=locked.description,
                actor=actor,
                idempotency_key=f"service-record:{locked.pk}",
            )
            locked.status = ServiceRecord.Status.CONFIRMED
            locked.transaction = txn
            locked.decided_at = timezone.now()
            locked.save(update_fields=["status", "transaction", "decided_at"])
            return locked

    return with_retries(attempt)


def service_record_decline(*, record: ServiceRecord, actor: Actor) -> ServiceRecord:
    """The receiver declines: nothing moves. Raises PermissionDenied, ServiceRecordConfirmed,
    ServiceRecordDeclined."""
    if not _is_user_of(record.receiver, actor):
        raise PermissionDenied(_("Only the member who received the service may decline it."))

    def attempt() -> ServiceRecord:
        with transaction.atomic(durable=True):
            locked = _lock_pending(record)
            locked.status = ServiceRecord.Status.DECLINED
            locked.decided_at = timezone.now()
            locked.save(update_fields=["status", "decided_at"])
            return locked

    return with_retries(attempt)


def volunteering_reward(
    *,
    association_account: Account,
    member_account: Account,
    hours: Money,
    description: str,
    actor: Actor,
    idempotency_key: str | None = None,
) -> Transaction:
    """An association pays a volunteer in hours from its own time account.

    Raises NotAnAssociation, PermissionDenied (neither staff nor the association's user),
    UnitMismatch, InvalidAmount, InvalidInput (no description) and the transfer's refusals.
    """
    _check_association(association_account, actor)
    description = _checked_reward(member_account, hours, description)
    return transfer_create(
        from_account=association_account,
        to_account=member_account,
        amount=hours,
        memo=memos.memo(VOLUNTEERING, description=description),
        actor=actor,
        idempotency_key=idempotency_key,
    )


def _check_association(association_account: Account, actor: Actor) -> None:
    holder = association_account.holder
    if (
        association_account.kind != Account.Kind.MEMBER
        or holder is None
        or holder.kind != Member.Kind.ASSOCIATION
        or association_account.unit != TIME_UNIT
    ):
        raise NotAnAssociation()
    if not _is_user_of(holder, actor):
        raise PermissionDenied(_("Only the association itself (or staff) may reward its volunteers."))


def _checked_reward(member_account: Account, hours: Money, description: str) -> str:
    """One reward's checks; returns its description, stripped."""
    if member_account.unit != TIME_UNIT or member_account.kind != Account.Kind.MEMBER:
        raise UnitMismatch(_("Volunteers are rewarded into their time account."))
    _hours(hours)
    description = description.strip()
    if not description:
        raise InvalidInput(fields={"description": [_("Say what the volunteering was.")]})
    return description


def volunteering_rewards_batch(
    *,
    association_account: Account,
    rewards: Sequence[tuple[Account, Money, str]],
    actor: Actor,
    idempotency_key: str,
) -> list[Transaction]:
    """An association rewards many volunteers at once (after an event), all or none: one posting
    per line (member account, hours, description), in one database transaction, line n keyed
    `<idempotency_key>:<n>` (from 0, as the list's positions). The same key and lines again answer with the same
    transactions and post nothing.

    Raises NotAnAssociation, PermissionDenied, InvalidInput (no line, too many, no description;
    `fields` names the line), UnitMismatch, InvalidAmount, SameAccount (a line names the
    association) and what the ledger refuses for the first line that breaks a rule
    (InsufficientFunds, LimitExceeded, AccountFrozen, MembershipExpired, IdempotencyKeyReused):
    nothing is posted then.
    """
    _check_association(association_account, actor)
    if not rewards:
        raise InvalidInput(fields={"rewards": [_("Name at least one volunteer.")]})
    if len(rewards) > MAX_REWARDS:
        raise InvalidInput(fields={"rewards": [_("At most %(count)s volunteers at once.") % {"count": MAX_REWARDS}]})
    transfers = []
    for line, (volunteer, hours, description) in enumerate(rewards):
        try:
            if volunteer.pk == association_account.pk:
                raise SameAccount(_("The association cannot reward itself."))
            text = _checked_reward(volunteer, hours, description)
        except ApplicationError as exc:
            # The same refusal, naming its line.
            exc.fields = {"rewards": {str(line): exc.fields or [exc.message]}}
            raise
        transfers.append(
            BatchTransfer(
                from_account_id=association_account.pk,
                to_account_id=volunteer.pk,
                amount=hours,
                memo=memos.memo(VOLUNTEERING, description=text),
                idempotency_key=f"{idempotency_key}:{line}",
            )
        )
    return transactions_post_batch(transfers=transfers, actor=actor)
