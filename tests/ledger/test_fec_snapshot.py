"""Outside a transaction (the export job, the command), the FEC is read on a connection of its
own, in one read-only snapshot: the progress the job records meanwhile on the default connection
is seen at once, and the reading connection is gone afterwards."""

from __future__ import annotations

import io

import pytest
from django.db import connection

from ledger.fec import fec_write
from ledger.models import ExportJob
from tests.conftest import requires_postgresql
from tests.currency.funding import give_ach
from tests.ledger.books_story import make_auditor

pytestmark = [requires_postgresql(), pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def test_the_year_is_read_apart_and_the_progress_recorded_meanwhile_is_committed(make_member, django_user_model):
    for name in ("alice", "basile", "chloe"):
        give_ach(make_member(username=name), "12.5")
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FEC, requested_by=make_auditor(django_user_model), status=ExportJob.Status.RUNNING
    )
    seen: list[tuple[int, int, int]] = []
    before = backends()

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)
        assert not connection.in_atomic_block
        seen.append((done, total, backends()))

    out = io.StringIO()
    lines = fec_write(year=job.created_at.year, out=out, progress=progress, chunk_size=1)

    assert lines == 12  # three conversions: EUR and ACH, two lines each
    assert [(done, total) for done, total, _backends in seen] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert max(count for _done, _total, count in seen) == before + 1  # the reading connection…
    assert backends() == before  # … closed once the file is written
    assert ExportJob.objects.values_list("progress_done", "progress_total").get() == (3, 3)
