"""The ledger's inbox providers: an auditor's failed exports, the audit as a shortcut."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.inbox import inbox_of
from ledger.inbox import audit_shortcut, failed_exports
from ledger.models import ExportJob
from tests.factories import auditor_user

pytestmark = pytest.mark.django_db


def job(user, status: str, *, year: int = 2025, ago: datetime.timedelta = datetime.timedelta(hours=1)) -> ExportJob:
    return ExportJob.objects.create(
        kind=ExportJob.Kind.FEC,
        parameters={"year": year},
        status=status,
        requested_by=user,
        created_at=timezone.now() - ago,
    )


def test_failed_exports_count_until_made_again(make_member):
    auditor = auditor_user()
    job(auditor, ExportJob.Status.FAILED, year=2024)
    job(auditor, ExportJob.Status.FAILED, year=2025, ago=datetime.timedelta(hours=2))
    job(auditor, ExportJob.Status.FAILED, year=2023, ago=datetime.timedelta(days=8))  # too old
    job(auditor, ExportJob.Status.DONE, year=2022)
    [item] = failed_exports(auditor)
    assert (item.key, item.kind, item.count, item.url, str(item.label)) == (
        "audit",
        "staff",
        2,
        "/audit/exports/",
        "exports en échec",
    )
    job(auditor, ExportJob.Status.DONE, year=2025, ago=datetime.timedelta(minutes=5))  # made again: done
    inbox = inbox_of(auditor)
    assert (inbox.counts, [s.url for s in inbox.shortcuts]) == ({"audit": 1}, ["/audit/"])
    # A member, even with a failed export of theirs, has no audit item: the exports page is not theirs.
    member = make_member(username="camille")
    job(member.user, ExportJob.Status.FAILED)
    assert failed_exports(member.user) == [] and audit_shortcut(member.user) == []
