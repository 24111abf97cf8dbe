"""Idempotent API requests (the Idempotency-Key header), in the manner of Stripe's.

The first request with a key stores its answer; the same key and the same body again get that
answer back and post nothing; a different body gets 422 idempotency_key_reused; a twin that
arrives while the first is still running gets 409 (transfers and holds: it waits for the first and
replays its answer, see run_idempotent). Answers to malformed or not-found requests are not stored
(nothing ran), so they can be retried with the same key.

The stored answer is a convenience: what makes a double posting impossible is the ledger's own
key (`api:<user>:<key>`), committed with the posting itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .api_errors import error_body
from .errors import ApplicationError, Conflict, IdempotencyKeyReused, InvalidInput
from .models import IdempotencyRecord
from .retries import with_retries

logger = logging.getLogger("bocage.idempotency")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def existing_for_key(model: type[models.Model], key: str | None, request_hash: str) -> Any:
    """The row a service already wrote under `key` for the same request, or None (no key, or none
    written yet); IdempotencyKeyReused when the key came with another request. For every model whose
    writes are keyed: a unique `idempotency_key` and the `request_hash` it was written for."""
    if key is None:
        return None
    existing: Any = model._default_manager.filter(idempotency_key=key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return existing


def idempotency_key_from(request: Request) -> str:
    """The request's key; InvalidInput (400) when it is missing or unusable."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise InvalidInput(
            _("The Idempotency-Key header is required, e.g. a random UUID per payment."),
            fields={HEADER: [_("This header is required.")]},
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(fields={HEADER: [_("At most 200 printable characters.")]})
    return key


def caller_id(request: Request) -> int:
    """The authenticated caller's id (the views that use keys require authentication)."""
    if request.user.pk is None:
        raise NotAuthenticated()
    return int(request.user.pk)


def ledger_key(user_id: int, key: str) -> str:
    return f"api:{user_id}:{key}"


def _fingerprint(request: Request) -> str:
    payload = {"path": request.path, "method": request.method, "body": request.data}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _claim(user_id: int, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """Create the record, or answer from an existing one (replay, 409 or 422)."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(user_id=user_id, key=key, request_hash=request_hash)
    except IntegrityError:
        pass
    return _answer_from_existing(user_id, key, request_hash)


def _claim_in_transaction(user_id: int, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """Inside the caller's transaction: insert the record, or answer from the one already there.

    A twin still running holds the key's uncommitted row: the insert waits for it to commit (this
    request then replays its answer) or to roll back (this one then runs)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    started_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, request_hash, state, response_status, response_body, started_at) "  # noqa: S608 - our table name
            "VALUES (%s, %s, %s, %s, NULL, '', %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [
                user_id,
                key,
                request_hash,
                IdempotencyRecord.State.IN_FLIGHT.value,
                connection.ops.adapt_datetimefield_value(started_at),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return _answer_from_existing(user_id, key, request_hash)
    record = IdempotencyRecord(
        id=row[0], user_id=user_id, key=key, request_hash=request_hash, response_body="", started_at=started_at
    )
    record._state.adding = False
    return record


def _answer_from_existing(user_id: int, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """The key is taken: its answer (replay), 422 for another body, 409 while it runs (or its takeover)."""
    record = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
    if record is None:
        # The twin that held the key has just finished without keeping an answer (nothing ran).
        raise Conflict()
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if record.state == IdempotencyRecord.State.DONE:
        response = Response(json.loads(record.response_body), status=record.response_status)
        response["Idempotent-Replayed"] = "true"
        return response
    stale_before = timezone.now() - timedelta(seconds=settings.BOCAGE_IDEMPOTENCY_IN_FLIGHT_SECONDS)
    taken_over = IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.State.IN_FLIGHT, started_at__lt=stale_before
    ).update(started_at=timezone.now())
    if not taken_over:
        raise Conflict()
    record.refresh_from_db()
    return record


def _finish(record: IdempotencyRecord, status: int, body: Any) -> None:
    """Keep the answer (a plain UPDATE: the ORM's cost three times the CPU, on every API write)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, response_status = %s, response_body = %s WHERE id = %s",  # noqa: S608 - our table name
            [IdempotencyRecord.State.DONE.value, status, json.dumps(body, cls=JSONEncoder), record.pk],
        )


def _release(record: IdempotencyRecord) -> None:
    """Forget the claim of a request that posted nothing, so that its retry runs at once.

    If the connection died under the handler, the delete runs on a fresh one. Should that fail too,
    the record stays in flight and its retry gets 409 until BOCAGE_IDEMPOTENCY_IN_FLIGHT_SECONDS
    have passed, then takes it over: slower, never a double posting (the ledger's key decides).
    """
    for attempt in range(2):
        try:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return
        except DatabaseError:
            if attempt or transaction.get_connection().in_atomic_block:
                logger.warning("idempotency record %s left in flight (database unavailable)", record.pk)
                return
            transaction.get_connection().close()


def run_idempotent(
    request: Request, key: str, handler: Callable[[], Response], *, answer_in_same_commit: bool = False
) -> Response:
    """Run handler once per (user, key); see the module docstring for the answers.

    With `answer_in_same_commit`, the claim of the key, the handler's writes and the stored answer
    are one database transaction: one durable commit, no moment where the posting is in the ledger
    but the answer to replay it is not, and nothing to clean up if the process dies (the
    transaction rolls back, key and all). A twin waits for it, then replays its answer. Only for
    handlers that may run inside a transaction (not the services that insist on being outermost,
    `atomic(durable=True)`); a deadlock then retries the whole request."""
    if answer_in_same_commit:
        return with_retries(lambda: _run_in_one_transaction(request, key, handler))
    claimed = _claim(caller_id(request), key, _fingerprint(request))
    if isinstance(claimed, Response):
        return claimed
    record = claimed
    try:
        response = handler()
    except ApplicationError as exc:
        if exc.status == 422:
            _finish(record, exc.status, error_body(exc.code, exc.message, exc.fields))
        else:
            _release(record)
        raise
    except BaseException:
        _release(record)
        raise
    _finish(record, response.status_code, response.data)
    return response


def _run_in_one_transaction(request: Request, key: str, handler: Callable[[], Response]) -> Response:
    """Claim, handler and answer in one transaction; a refusal (422) is kept as the key's answer.

    Any other failure rolls everything back, the claim too: a malformed or not-found request kept
    nothing and can be retried with the same key."""
    refusal: ApplicationError | None = None
    with transaction.atomic():
        claimed = _claim_in_transaction(caller_id(request), key, _fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            response = handler()
        except ApplicationError as exc:
            if exc.status != 422:
                raise
            refusal = exc
        if refusal is None:
            _finish(claimed, response.status_code, response.data)
            return response
        # The services refuse inside their own savepoint, so this transaction is still usable; if
        # it is not, the refusal is answered without being kept (the atomic block rolls back).
        try:
            with transaction.atomic():
                _finish(claimed, refusal.status, error_body(refusal.code, refusal.message, refusal.fields))
        except DatabaseError:
            raise refusal from None
    raise refusal
