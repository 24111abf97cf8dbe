"""`places_bench --quick`: every workload reported, no overbooking, the bench database gone afterwards.

Timings are never asserted: the benchmark is run for its figures (README), not to pass a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection


def run_quick(database_url: str, output: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true"}
    done = subprocess.run(
        [sys.executable, "manage.py", "places_bench", "--quick", "--output", str(output)],
        cwd=str(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(output.read_text())


def test_the_places_benchmark_refuses_a_production_configuration_without_the_flag():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("places_bench", "--quick")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run of the benchmark")
def test_the_quick_places_benchmark_reports_every_workload_and_leaves_nothing_behind(tmp_path):
    report = run_quick(f"sqlite:///{tmp_path / 'places.sqlite3'}", tmp_path / "bench.json")

    assert report["availability"]["past_bookings"] == 300
    for window in ("next_31_days", "past_31_days"):
        assert report["availability"][window]["free_intervals"] > 0
        assert report["availability"][window]["queries"] > 0
    assert report["search"]["resources"] == 3 * 8
    assert report["search"]["afternoon_1_seat"]["resources_found"] > 0
    assert set(report["booking"]) == {"workers_1", "workers_2"}
    assert report["booking"]["workers_1"]["bookings"] > 0
    assert report["overbooked_resources"] == 0
    assert not (tmp_path / "places_bench.sqlite3").exists()
    assert not (tmp_path / "places.sqlite3").exists()  # the configured database was never even created
