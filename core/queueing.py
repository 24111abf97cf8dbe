"""Sending work to Celery without letting a broker outage break what the request committed.

A posting, an export request or a campaign's news commits in the database first; queueing the task
that follows is a convenience, because every such task also has a periodic catch-up (the beat's
sweeps find queued exports and undelivered news). So when the broker is down the request still
succeeds, the failure is logged, and the work starts when the broker and the beat are back.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger("bocage.queueing")


def enqueue(task: Task, *args: Any, queue: str | None = None) -> bool:
    """Send the task now (to `queue`, default: its route); False (logged) if the broker cannot take it."""
    try:
        task.apply_async(args=args, queue=queue)
    except Exception:  # kombu's OperationalError, socket errors, a broker refusing: all mean "later"
        logger.warning("broker unavailable: %s%r left to the periodic catch-up", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any) -> None:
    """Send the task once the surrounding transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task, *args))
