"""Holds (two-phase transfers): reserve, capture in full or in part, void, expire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from core.errors import ApplicationError, InvalidInput, PermissionDenied
from core.retries import with_retries
from core.typing import Actor, acting_user
from ledger import memos
from ledger.errors import HoldAlreadyResolved, HoldExpired, InvalidAmount
from ledger.kinds import HOLD_CAPTURE
from ledger.locks import bigint_array, hold_lock, lock_accounts
from ledger.models import Account, Hold
from ledger.services.batch import BatchTransfer, transactions_post_batch_each
from ledger.services.checks import (
    Leg,
    check_limits,
    check_open,
    check_pair,
    existing_for_key,
    replay_or_raise_duplicate,
    request_fingerprint,
)
from ledger.services.postings import post_locked
from ledger.units import get_unit


def hold_create(
    *,
    from_account: Account,
    to_account: Account,
    amount: Money,
    memo: str | memos.Memo = "",
    actor: Actor,
    expires_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Hold:
    """Reserve `amount` on from_account towards to_account (raises `held`).

    Raises SameAccount, UnitMismatch, InvalidAmount, AccountFrozen, AccountClosed,
    InsufficientFunds, IdempotencyKeyReused.
    """
    minor = check_pair(from_account, to_account, amount)
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(
            _("The expiry date must be in the future."), fields={"expires_at": [_("Must be in the future.")]}
        )
    request_hash = request_fingerprint(
        ["hold", from_account.pk, to_account.pk, minor, memos.fingerprint(memo), expires_at]
    )

    memo_text, memo_code, memo_params = memos.split(memo)

    def attempt() -> Hold:
        with transaction.atomic():
            # Only the debit side is locked: holds towards a busy payee do not queue on it.
            debit = lock_accounts([from_account.pk])[from_account.pk]
            existing = existing_for_key(Hold, idempotency_key, request_hash)
            if existing is not None:
                return existing
            credit = Account.objects.get(pk=to_account.pk)
            check_open(debit)
            check_open(credit)
            check_limits(debit, 0, minor)
            hold = Hold.objects.create(
                debit_account=debit,
                credit_account=credit,
                unit=debit.unit,
                amount=minor,
                memo=memo_text,
                memo_code=memo_code or None,
                memo_params=memo_params if memo_code else None,
                actor=acting_user(actor),
                expires_at=expires_at,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
            )
            Account.objects.filter(pk=debit.pk).update(held=F("held") + minor)
            return hold

    try:
        return with_retries(attempt)
    except IntegrityError as exc:
        return replay_or_raise_duplicate(Hold, idempotency_key, request_hash, exc)


def _check_may_resolve(hold: Hold, actor: Actor, side: str) -> None:
    """The payer may capture (pay), the payee may void (release); staff may do either.

    Holds towards a system account (a campaign's escrow) belong to their flow: only that flow's
    service resolves them (`flow=True`), so a pledge cannot be paid early or released behind it.
    The system itself (actor None: the expiry sweep, a task) is no party and is not asked.
    """
    if actor is None:
        return
    if hold.credit_account.kind == Account.Kind.SYSTEM:
        raise PermissionDenied(_("This hold belongs to a campaign pledge: change the pledge on the campaign."))
    if actor.is_authenticated and actor.is_staff:
        return
    account = hold.debit_account if side == "payer" else hold.credit_account
    if not actor.is_authenticated or account.holder is None or account.holder.user_id != actor.pk:
        if side == "payer":
            raise PermissionDenied(_("Only the paying side (or staff) may capture a hold."))
        raise PermissionDenied(_("Only the receiving side (or staff) may void a hold."))


def _lock_pending_hold(hold_id: int) -> Hold:
    hold = hold_lock(hold_id)
    if hold.status != Hold.Status.PENDING:
        raise HoldAlreadyResolved()
    return hold


def _is_past_expiry(hold: Hold, now: datetime) -> bool:
    # The same boundary as the sweep's `expires_at__lte`: at its deadline a hold is expired.
    return hold.expires_at is not None and hold.expires_at <= now


def hold_capture(
    *, hold: Hold, actor: Actor, amount: Money | None = None, memo: str | memos.Memo = "", flow: bool = False
) -> Hold:
    """Post the hold (in full, or `amount` of it) and release the rest.

    Only the paying side or staff may capture, and no one a hold towards a system account
    (PermissionDenied, nothing written), unless `flow`: a domain flow (an exchange, a campaign)
    that resolves the hold under its own rules.

    A hold past its expiry is expired on the spot, as the sweep would, and HoldExpired is raised:
    the expiry commits although the capture is refused (unless the caller's own transaction,
    around this one, is rolled back by the exception).

    Raises PermissionDenied, HoldExpired, HoldAlreadyResolved, InvalidAmount, AccountFrozen,
    AccountClosed, LimitExceeded.
    """
    if not flow:
        _check_may_resolve(hold, actor, "payer")

    def attempt() -> Hold | None:
        with transaction.atomic():
            locked = hold_lock(hold.pk)
            if locked.status == Hold.Status.EXPIRED:
                raise HoldExpired()
            if locked.status != Hold.Status.PENDING:
                raise HoldAlreadyResolved()
            if _is_past_expiry(locked, timezone.now()):
                _hold_release(locked.pk, Hold.Status.EXPIRED, None)
                return None  # refused after the block commits, so that the expiry stays
            unit = get_unit(locked.unit)
            minor = locked.amount if amount is None else unit.to_minor(amount)
            if minor <= 0 or minor > locked.amount:
                raise InvalidAmount(
                    _("The amount to capture must be more than zero and at most %(max)s.")
                    % {"max": unit.format(locked.amount)}
                )
            accounts = lock_accounts([locked.debit_account_id, locked.credit_account_id])
            txn = post_locked(
                legs=[
                    Leg(account_id=locked.debit_account_id, amount=-minor, unit=locked.unit),
                    Leg(account_id=locked.credit_account_id, amount=minor, unit=locked.unit),
                ],
                accounts=accounts,
                kind=HOLD_CAPTURE,
                memo=memo or memos.of_row(locked.memo, locked.memo_code, locked.memo_params),
                actor=actor,
                idempotency_key=f"hold-capture:{locked.pk}",
                request_hash=request_fingerprint(["capture", locked.pk]),
                held_release={locked.debit_account_id: locked.amount},
            )
            locked.status = Hold.Status.CAPTURED
            locked.captured_amount = minor
            locked.capture_transaction = txn
            locked.resolved_at = timezone.now()
            locked.resolved_by = acting_user(actor)
            locked.save(
                update_fields=["status", "captured_amount", "capture_transaction", "resolved_at", "resolved_by"]
            )
            return locked

    captured = with_retries(attempt)
    if captured is None:
        raise HoldExpired()
    return captured


def _hold_release(hold_id: int, status: str, actor: Actor) -> Hold:
    locked = _lock_pending_hold(hold_id)
    Account.objects.filter(pk=locked.debit_account_id).update(held=F("held") - locked.amount)
    locked.status = status
    locked.resolved_at = timezone.now()
    locked.resolved_by = acting_user(actor)
    locked.save(update_fields=["status", "resolved_at", "resolved_by"])
    return locked


def hold_void(*, hold: Hold, actor: Actor, flow: bool = False) -> Hold:
    """Release a pending hold: nothing is posted.

    Only the receiving side or staff may void, and no one a hold towards a system account, unless
    `flow` (as for hold_capture). Raises PermissionDenied, HoldAlreadyResolved.
    """
    if not flow:
        _check_may_resolve(hold, actor, "payee")

    def attempt() -> Hold:
        with transaction.atomic():
            return _hold_release(hold.pk, Hold.Status.VOIDED, actor)

    return with_retries(attempt)


def hold_expire(*, hold_id: int, now: datetime | None = None) -> bool:
    """Expire one hold past its deadline; False (and nothing written) if it is not due or resolved."""
    now = now or timezone.now()

    def attempt() -> bool:
        with transaction.atomic():
            hold = hold_lock(hold_id)
            if hold.status != Hold.Status.PENDING or not _is_past_expiry(hold, now):
                return False
            _hold_release(hold.pk, Hold.Status.EXPIRED, None)
            return True

    return with_retries(attempt)


def holds_expire_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Expire every pending hold past its deadline; safe to run twice or concurrently."""
    now = now or timezone.now()
    expired = 0
    while True:
        due = list(
            Hold.objects.filter(status=Hold.Status.PENDING, expires_at__lte=now)
            .order_by("expires_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not due:
            return expired
        progressed = sum(1 for hold_id in due if hold_expire(hold_id=hold_id, now=now))
        expired += progressed
        if progressed == 0:
            return expired


# --- many holds at once (the batch jobs: a campaign's pledges, bookings' captures) ----------


@dataclass(frozen=True)
class HoldCapture:
    """One hold of holds_capture_batch: captured in full, or `amount` (minor units) of it, with
    `memo` (default: the hold's own)."""

    hold_id: int
    amount: int | None = None
    memo: str | memos.Memo = ""


# One hold's outcome: the hold as captured or released, or why it was refused.
HoldOutcome = Hold | ApplicationError


def _lock_holds(hold_ids: Sequence[int]) -> dict[int, Hold]:
    """Lock the holds (FOR UPDATE) in ascending id order, in one query."""
    locked = Hold.objects.select_for_update(of=("self",)).filter(pk__in=list(hold_ids)).order_by("pk")
    holds = {hold.pk: hold for hold in locked}
    if len(holds) != len(set(hold_ids)):
        raise HoldAlreadyResolved(_("A hold of the batch does not exist."))
    return holds


def holds_capture_batch(*, captures: Sequence[HoldCapture], actor: Actor) -> list[HoldOutcome]:
    """Capture many holds in one database transaction, through the batch posting path: one
    posting of kind `hold_capture` each, under the same key and fingerprint as hold_capture
    (`hold-capture:<id>`), so a hold captured by either is captured once.

    Answers each capture in order: the hold (captured now, or already captured before: a rerun
    of a job that died after committing), or the refusal (HoldExpired for a hold expired or past
    its expiry — left for the sweep, HoldAlreadyResolved for a voided one, InvalidAmount, and
    what the posting refuses: a frozen account…). The caller's flow has the right to capture
    (as `flow=True` for hold_capture). A caller writes its own rows for the captured holds inside
    its own atomic block around this call, so that they commit together.
    """
    if not captures:
        return []
    now = timezone.now()

    def attempt() -> list[HoldOutcome]:
        with transaction.atomic():
            holds = _lock_holds([capture.hold_id for capture in captures])
            outcomes: dict[int, HoldOutcome] = {}
            batch: list[tuple[int, Hold, int, BatchTransfer]] = []
            for position, capture in enumerate(captures):
                hold = holds[capture.hold_id]
                if hold.status == Hold.Status.CAPTURED:
                    outcomes[position] = hold
                    continue
                if hold.status == Hold.Status.EXPIRED or (
                    hold.status == Hold.Status.PENDING and _is_past_expiry(hold, now)
                ):
                    outcomes[position] = HoldExpired()
                    continue
                if hold.status != Hold.Status.PENDING:
                    outcomes[position] = HoldAlreadyResolved()
                    continue
                unit = get_unit(hold.unit)
                minor = hold.amount if capture.amount is None else capture.amount
                if minor <= 0 or minor > hold.amount:
                    outcomes[position] = InvalidAmount(
                        _("The amount to capture must be more than zero and at most %(max)s.")
                        % {"max": unit.format(hold.amount)}
                    )
                    continue
                memo = capture.memo or memos.of_row(hold.memo, hold.memo_code, hold.memo_params)
                transfer = BatchTransfer(
                    from_account_id=hold.debit_account_id,
                    to_account_id=hold.credit_account_id,
                    amount=unit.to_money(minor),
                    memo=memo,
                    idempotency_key=f"hold-capture:{hold.pk}",
                    request_hash=request_fingerprint(["capture", hold.pk]),
                    held_release=hold.amount,
                )
                batch.append((position, hold, minor, transfer))
            posted = transactions_post_batch_each(
                transfers=[item[3] for item in batch], actor=actor, kind=HOLD_CAPTURE, check_membership=False
            )
            user = acting_user(actor)
            captured: list[Hold] = []
            for (position, hold, minor, _transfer), outcome in zip(batch, posted, strict=True):
                if isinstance(outcome, ApplicationError):
                    outcomes[position] = outcome
                    continue
                hold.status = Hold.Status.CAPTURED
                hold.captured_amount = minor
                hold.capture_transaction = outcome
                hold.resolved_at = now
                hold.resolved_by = user
                captured.append(hold)
                outcomes[position] = hold
            _holds_write_captured(captured, now, user.pk if user else None)
            return [outcomes[position] for position in range(len(captures))]

    return with_retries(attempt)


# The captured holds in one statement: bulk_update's CASE per row and field grows a statement
# psycopg and PostgreSQL take seconds to parse for a few thousand holds.
HOLDS_CAPTURED_SQL = """
UPDATE ledger_hold AS h
SET status = %s, captured_amount = c.amount, capture_transaction_id = c.txn, resolved_at = %s, resolved_by_id = %s
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS c(id, amount, txn)
WHERE h.id = c.id
"""


def _holds_write_captured(captured: list[Hold], now: datetime, user_id: int | None) -> None:
    if not captured:
        return
    if connection.vendor != "postgresql":
        Hold.objects.bulk_update(
            captured, ["status", "captured_amount", "capture_transaction", "resolved_at", "resolved_by"]
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            HOLDS_CAPTURED_SQL,
            [
                Hold.Status.CAPTURED,
                now,
                user_id,
                bigint_array(hold.pk for hold in captured),
                bigint_array(hold.captured_amount for hold in captured),
                bigint_array(hold.capture_transaction_id or 0 for hold in captured),
            ],
        )
        assert cursor.rowcount == len(captured)


def holds_void_batch(*, hold_ids: Sequence[int], actor: Actor) -> list[HoldOutcome]:
    """Void many pending holds in one database transaction (nothing is posted): each answered in
    order with the hold (voided now, or voided before) or HoldAlreadyResolved (captured, expired).
    The caller's flow has the right to void them (as `flow=True` for hold_void)."""
    if not hold_ids:
        return []
    now = timezone.now()

    def attempt() -> list[HoldOutcome]:
        with transaction.atomic():
            holds = _lock_holds(hold_ids)
            user = acting_user(actor)
            released: dict[int, int] = {}
            voided: list[Hold] = []
            outcomes: list[HoldOutcome] = []
            for hold_id in hold_ids:
                hold = holds[hold_id]
                if hold.status == Hold.Status.VOIDED:
                    outcomes.append(hold)
                    continue
                if hold.status != Hold.Status.PENDING:
                    outcomes.append(HoldAlreadyResolved())
                    continue
                hold.status = Hold.Status.VOIDED
                hold.resolved_at = now
                hold.resolved_by = user
                released[hold.debit_account_id] = released.get(hold.debit_account_id, 0) + hold.amount
                voided.append(hold)
                outcomes.append(hold)
            if voided:
                Hold.objects.filter(pk__in=[hold.pk for hold in voided]).update(
                    status=Hold.Status.VOIDED, resolved_at=now, resolved_by=user
                )
                lock_accounts(set(released))
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "UPDATE ledger_account SET held = held - %s WHERE id = %s",
                        [(amount, pk) for pk, amount in sorted(released.items())],
                    )
            return outcomes

    return with_retries(attempt)
