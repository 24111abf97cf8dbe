"""membership's part of legal retention (core.retention): what a sign-up leaves behind.

A sign-up confirmed (its data is the member's now; the consents recorded it accepted) is deleted
BOCAGE_RETENTION_SIGNUP_DAYS after its confirmation; one whose link expired unopened is deleted at
once by membership.tasks.pending_signups_purge. A refused application's reason (free text written
by the board about the applicant) is blanked BOCAGE_RETENTION_SIGNUP_DAYS after the decision: the
refusal itself (status, date) stays beside the member.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from core.retention import Rule

from .models import Application, PendingSignup


def _signups_confirmed(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return PendingSignup.objects.filter(confirmed_at__lt=cutoff)


def _refusal_reasons(cutoff: datetime.datetime, now: datetime.datetime) -> QuerySet[Any]:
    return Application.objects.filter(status=Application.Status.REFUSED, decided_at__lt=cutoff).exclude(reason="")


RULES = [
    Rule("membership.signups_confirmed", PendingSignup, "BOCAGE_RETENTION_SIGNUP_DAYS", _signups_confirmed),
    Rule(
        "membership.refusal_reasons",
        Application,
        "BOCAGE_RETENTION_SIGNUP_DAYS",
        _refusal_reasons,
        update={"reason": ""},
    ),
]
