"""Idempotent API requests (the Idempotency-Key header), in the manner of Stripe's.

The first request with a key stores its answer; the same key and the same body again get that
answer back and post nothing; a different body gets 422 idempotency_key_reused; a twin that
arrives while the first is still running gets 409. Answers to malformed or not-found requests
are not stored (nothing ran), so they can be retried with the same key.

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
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from config.api_errors import error_body
from config.errors import ApplicationError, Conflict, InvalidInput

from .errors import IdempotencyKeyReused
from .models import IdempotencyRecord
from .services import with_retries

logger = logging.getLogger("bocage.idempotency")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


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
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE, response_status=status, response_body=json.dumps(body, cls=JSONEncoder)
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

    With `answer_in_same_commit`, the handler's writes and the stored answer commit together: one
    durable commit fewer, and no moment where the posting is in the ledger but the answer to replay
    it is not. Only for handlers that may run inside a transaction (not the services that insist
    on being outermost, `atomic(durable=True)`); a deadlock then retries the whole handler."""
    claimed = _claim(caller_id(request), key, _fingerprint(request))
    if isinstance(claimed, Response):
        return claimed
    record = claimed

    def together() -> Response:
        with transaction.atomic():
            response = handler()
            _finish(record, response.status_code, response.data)
        return response

    try:
        response = with_retries(together) if answer_in_same_commit else handler()
    except ApplicationError as exc:
        if exc.status == 422:
            _finish(record, exc.status, error_body(exc.code, exc.message, exc.fields))
        else:
            _release(record)
        raise
    except BaseException:
        _release(record)
        raise
    if not answer_in_same_commit:
        _finish(record, response.status_code, response.data)
    return response
