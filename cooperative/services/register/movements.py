"""The register's movements: subscriptions, transfers, redemptions and cancellations.

Each appends the next numbered movement under the cooperative's lock and, when money moves,
posts the euros on the ledger (EUR world ↔ the capital account) in the same database transaction.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cooperative import selectors
from cooperative.errors import AlreadyCancelled, NotEnoughShares
from cooperative.kinds import SHARE_REDEMPTION, SHARE_SUBSCRIPTION
from cooperative.memos import REDEMPTION, SUBSCRIPTION
from cooperative.models import Cooperative, ShareClass, Shareholder, ShareMovement
from cooperative.services.register.rules import (
    _check_admitted,
    _check_class,
    _check_date,
    _check_quantity,
    _clean_decision,
    check_floor,
    check_giving,
    check_lockup,
    check_receiving,
    holder_status_follow,
    lock_cooperative,
    require_administrator,
)
from core.audit import audit_record
from core.errors import InvalidInput
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.models import Account, Transaction
from ledger.services import system_account, transaction_post, transaction_reverse
from ledger.units import get_unit

K = ShareMovement.Kind


def _record(
    *,
    cooperative: Cooperative,
    kind: str,
    share_class: ShareClass,
    quantity: int,
    effective_on: datetime.date,
    capital_delta: int,
    actor: Actor,
    from_shareholder: Shareholder | None = None,
    to_shareholder: Shareholder | None = None,
    board_decision: str = "",
    ledger_transaction: Transaction | None = None,
    reverses: ShareMovement | None = None,
    note: str = "",
) -> ShareMovement:
    """Append the next numbered movement (the cooperative row must be locked by the caller)."""
    last = ShareMovement.objects.filter(cooperative=cooperative).aggregate(last=Max("number"))["last"] or 0
    return ShareMovement.objects.create(
        cooperative=cooperative,
        number=last + 1,
        kind=kind,
        effective_on=effective_on,
        share_class=share_class,
        quantity=quantity,
        from_shareholder=from_shareholder,
        to_shareholder=to_shareholder,
        capital_delta=capital_delta,
        board_decision=board_decision[:100],
        ledger_transaction=ledger_transaction,
        reverses=reverses,
        note=note[:255],
        recorded_by=acting_user(actor),
    )


def _post_capital(cooperative: Cooperative, cents: int, *, memo: memos.Memo, key: str, kind: str) -> Transaction:
    """EUR world → capital account (cents > 0: paid in) or capital → world (cents < 0: repaid)."""
    amount = get_unit("EUR").to_money(cents)
    world = system_account(Account.SystemCode.WORLD, "EUR")
    return transaction_post(
        legs=[(world, -amount), (cooperative.capital_account, amount)],
        kind=kind,
        memo=memo,
        actor=None,
        idempotency_key=key,
    )


# --- the movements ----------------------------------------------------------------------------


def subscription_record_locked(
    *,
    cooperative: Cooperative,
    shareholder: Shareholder,
    share_class: ShareClass,
    quantity: int,
    effective_on: datetime.date,
    board_decision: str,
    actor: Actor,
    idempotency_key: str,
    note: str = "",
) -> ShareMovement:
    """Issue paid shares: the euros go to the capital account, the register gets a subscription.

    The caller holds the cooperative's lock. Raises NotAdmitted, AboveMaximumHolding,
    BelowMinimumHolding, DateOutOfOrder, InvalidInput.
    """
    _check_class(cooperative, share_class)
    _check_admitted(cooperative, shareholder)
    _check_date(cooperative, effective_on)
    check_receiving(cooperative, shareholder, quantity)
    amount = quantity * share_class.nominal_value
    txn = _post_capital(
        cooperative,
        amount,
        memo=memos.memo(SUBSCRIPTION, quantity=quantity, code=share_class.code, name=shareholder.display_name),
        key=idempotency_key,
        kind=SHARE_SUBSCRIPTION,
    )
    return _record(
        cooperative=cooperative,
        kind=K.SUBSCRIPTION,
        share_class=share_class,
        quantity=quantity,
        effective_on=effective_on,
        capital_delta=amount,
        to_shareholder=shareholder,
        board_decision=board_decision,
        ledger_transaction=txn,
        actor=actor,
        note=note,
    )


def share_transfer(
    *,
    cooperative: Cooperative,
    from_shareholder: Shareholder,
    to_shareholder: Shareholder,
    share_class: ShareClass,
    quantity: int,
    board_decision: str,
    actor: Actor,
    effective_on: datetime.date | None = None,
) -> ShareMovement:
    """Record a cession approved by the board (no money through the cooperative: capital unchanged).

    Raises PermissionDenied, InvalidInput, NotAdmitted (the buyer must be admitted first),
    NotEnoughShares, BelowMinimumHolding, AboveMaximumHolding, DateOutOfOrder.
    """
    require_administrator(actor)
    quantity = _check_quantity(quantity)
    decision = _clean_decision(board_decision, required=True)
    if from_shareholder.pk == to_shareholder.pk:
        raise InvalidInput(fields={"to_shareholder": [_("Choose another shareholder.")]})

    def attempt() -> ShareMovement:
        with transaction.atomic(durable=True):
            locked = lock_cooperative(cooperative)
            day = effective_on or timezone.localdate()
            _check_class(locked, share_class)
            _check_admitted(locked, to_shareholder)
            if from_shareholder.cooperative_id != locked.pk:
                raise NotEnoughShares()
            _check_date(locked, day)
            check_giving(locked, from_shareholder, share_class, quantity)
            check_receiving(locked, to_shareholder, quantity)
            movement = _record(
                cooperative=locked,
                kind=K.TRANSFER,
                share_class=share_class,
                quantity=quantity,
                effective_on=day,
                capital_delta=0,
                from_shareholder=from_shareholder,
                to_shareholder=to_shareholder,
                board_decision=decision,
                actor=actor,
            )
            holder_status_follow(from_shareholder)
            audit_record(
                actor=actor,
                action="share_transfer",
                target=movement,
                reason=decision,
                number=movement.number,
                quantity=quantity,
                from_shareholder=from_shareholder.pk,
                to_shareholder=to_shareholder.pk,
            )
            return movement

    return with_retries(attempt)


def redemption_record_locked(
    *,
    cooperative: Cooperative,
    shareholder: Shareholder,
    share_class: ShareClass,
    quantity: int,
    effective_on: datetime.date,
    board_decision: str,
    actor: Actor,
    idempotency_key: str,
) -> ShareMovement:
    """Repay shares at nominal value: capital account → world, the register gets a redemption.

    The caller holds the cooperative's lock. Raises NotEnoughShares, BelowMinimumHolding,
    LockUpNotOver, CapitalBelowFloor, DateOutOfOrder.
    """
    _check_class(cooperative, share_class)
    _check_date(cooperative, effective_on)
    check_giving(cooperative, shareholder, share_class, quantity)
    check_lockup(cooperative, shareholder, share_class, quantity, effective_on)
    amount = quantity * share_class.nominal_value
    check_floor(cooperative, amount)
    txn = _post_capital(
        cooperative,
        -amount,
        memo=memos.memo(REDEMPTION, quantity=quantity, code=share_class.code, name=shareholder.display_name),
        key=idempotency_key,
        kind=SHARE_REDEMPTION,
    )
    return _record(
        cooperative=cooperative,
        kind=K.REDEMPTION,
        share_class=share_class,
        quantity=quantity,
        effective_on=effective_on,
        capital_delta=-amount,
        from_shareholder=shareholder,
        board_decision=board_decision,
        ledger_transaction=txn,
        actor=actor,
    )


def movement_cancel(*, movement: ShareMovement, reason: str, board_decision: str, actor: Actor) -> ShareMovement:
    """Cancel a movement by a reversing one (its payment reversed on the ledger too).

    Raises PermissionDenied, InvalidInput, AlreadyCancelled, NotEnoughShares (the shares have
    moved on since), CapitalBelowFloor.
    """
    require_administrator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the movement is cancelled.")]})
    decision = _clean_decision(board_decision, required=False)

    def attempt() -> ShareMovement:
        with transaction.atomic(durable=True):
            locked = lock_cooperative(movement.cooperative)
            original = ShareMovement.objects.select_related("share_class").get(pk=movement.pk)
            if original.kind == K.CANCELLATION:
                raise InvalidInput(_("A cancellation cannot itself be cancelled; record a new movement."))
            if ShareMovement.objects.filter(reverses=original).exists():
                raise AlreadyCancelled()
            # The shares go back where they came from: whoever received them must still hold them.
            if original.to_shareholder is not None:
                held = selectors.shares_of(original.to_shareholder, share_class=original.share_class)
                if held < original.quantity:
                    raise NotEnoughShares(
                        _("%(name)s no longer holds these shares: record a new movement instead.")
                        % {"name": original.to_shareholder.display_name}
                    )
            if original.capital_delta > 0:
                check_floor(locked, original.capital_delta)
            reversal = None
            if original.ledger_transaction is not None:
                reversal = transaction_reverse(
                    transaction_to_reverse=original.ledger_transaction,
                    actor=actor,
                    idempotency_key=f"coop-cancel:{original.pk}",
                )
            cancellation = _record(
                cooperative=locked,
                kind=K.CANCELLATION,
                share_class=original.share_class,
                quantity=original.quantity,
                effective_on=max(timezone.localdate(), original.effective_on),
                capital_delta=-original.capital_delta,
                from_shareholder=original.to_shareholder,
                to_shareholder=original.from_shareholder,
                board_decision=decision,
                ledger_transaction=reversal,
                reverses=original,
                note=reason,
                actor=actor,
            )
            for holder in (original.to_shareholder, original.from_shareholder):
                if holder is not None:
                    holder_status_follow(holder)
            audit_record(
                actor=actor,
                action="movement_cancel",
                target=original,
                reason=reason,
                board_decision=decision,
                cancellation=cancellation.pk,
            )
            return cancellation

    return with_retries(attempt)
