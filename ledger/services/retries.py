"""Retrying a posting on deadlock or serialization failure, a bounded number of times."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")
MAX_ATTEMPTS = 6
RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def _is_retryable(exc: OperationalError) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc)


def with_retries(operation: Callable[[], T]) -> T:
    """Run `operation` (which opens its own atomic block) again on deadlock or serialization failure."""
    if connection.in_atomic_block:
        # Inside someone else's transaction: a retry would run in an aborted transaction.
        return operation()
    for attempt in range(MAX_ATTEMPTS):
        try:
            return operation()
        except OperationalError as exc:
            if attempt == MAX_ATTEMPTS - 1 or not _is_retryable(exc):
                raise
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")
