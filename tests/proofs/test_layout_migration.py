"""The layout's migrations moved no data: a database built at the commit before the reshaping, with
the demo community loaded and the ledger sealed, migrates to today's code, still verifies, and every
table it had holds exactly the same rows (scripts/prove-layout-migration.sh).

PostgreSQL only (its triggers are what the moves must keep; on SQLite the same script is run by
hand); about a minute: it migrates and seeds a whole database. Skipped in a clone without that
commit (a shallow clone).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import requires_postgresql

ROOT = Path(__file__).resolve().parents[2]
BEFORE_THE_LAYOUT = "52f8a96"

pytestmark = [pytest.mark.postgresql, requires_postgresql()]


def test_a_database_of_the_old_layout_migrates_without_losing_a_row():
    known = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{BEFORE_THE_LAYOUT}^{{commit}}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"this clone does not have {BEFORE_THE_LAYOUT} (shallow clone)")
    database = settings.DATABASES["default"]
    suffix = os.environ.get("BOCAGE_TEST_DB_SUFFIX", "")
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/layout_proof{suffix}"

    run = subprocess.run(
        [str(ROOT / "scripts" / "prove-layout-migration.sh"), BEFORE_THE_LAYOUT, url],
        capture_output=True,
        text=True,
        timeout=600,
        env={key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
    )

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "OK: the ledger verifies." in run.stdout
    assert "tables of 52f8a96 identical after the migration" in run.stdout
