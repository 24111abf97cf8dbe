"""django-hordak's transfer_to in `ledger_bench`: the report's rows, the command's choice to run it or not,
and bench/hordak.py itself when an interpreter that has hordak is named ($BOCAGE_BENCH_HORDAK_PYTHON).

hordak is not a dependency of the project: without that variable the real run is skipped, and nothing
here starts a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from bench import database, measure, report
from bench.management.commands import ledger_bench
from tests.conftest import requires_postgresql

HORDAK = {
    "version": "2.0.0",
    "workers_1": {"workers": 1, "transfers": 4000, "seconds": 10.0, "errors": 0, "per_second": 400.0},
    "workers_8": {"workers": 8, "transfers": 9000, "seconds": 10.0, "errors": 0, "per_second": 900.0},
    "resolved_1": {"workers": 1, "transfers": 2500, "seconds": 10.0, "errors": 0, "per_second": 250.0},
    "resolved_8": {"workers": 8, "transfers": 6000, "seconds": 10.0, "errors": 0, "per_second": 600.0},
    "balance_read_ms": 12.345,
    "legs": 100_012,
}


def results(hordak: dict | None, **meta: object) -> dict:
    return {
        "meta": {"sizes": {"workers": 8}, "database": "postgresql", "skipped": [], **meta},
        "floor": {
            "workers_1": {"per_second": 500.0},
            "workers_8": {"per_second": 1200.0},
            "hot_8": {"per_second": 600.0},
        },
        "pgbench": {"workers_1": {"per_second": 2000.0}, "workers_8": {"per_second": 2500.0}},
        "hordak": hordak,
    }


def rows_after_pgbench(lines: list[str]) -> list[str]:
    start = max(i for i, line in enumerate(lines) if line.startswith("pgbench")) + 1
    return lines[start : lines.index("")]


# --- the report ------------------------------------------------------------------------------------


def test_the_report_puts_hordak_next_to_pgbench_with_its_ratios_to_the_floor():
    lines = report.table(results(HORDAK))

    assert rows_after_pgbench(lines) == [
        "django-hordak transfer_to, 1 worker                   400      80 %",
        "django-hordak transfer_to, 8 workers                  900      75 %",
        "django-hordak, resolved per call, 1 worker            250      50 %",
        "django-hordak, resolved per call, 8 workers           600      50 %",
        "django-hordak get_balance(), 100,012 legs (ms)        12.35",
    ]
    assert report.ratios(results(HORDAK))["hordak_resolved_8_vs_floor_8"] == 0.5


def test_the_report_says_why_hordak_was_not_measured():
    assert rows_after_pgbench(report.table(results(None))) == ["django-hordak: not measured (--hordak-python)"]
    assert rows_after_pgbench(report.table(results(None, skipped=["hordak"]))) == [
        "django-hordak: not measured (--skip hordak)"
    ]
    failed = {"error": "exit 1", "returncode": 1, "stderr_tail": "ModuleNotFoundError: No module named 'hordak'"}
    assert rows_after_pgbench(report.table(results(failed))) == [
        "django-hordak: failed (exit 1), its stderr is in the JSON"
    ]
    assert report.ratios(results(None))["hordak_1_vs_floor_1"] is None


# --- the command ---------------------------------------------------------------------------------

BENCH = database.BenchDatabase(
    "postgresql", "bocage_bench", "postgres://postgres@127.0.0.1:5432/bocage_bench", "bocage", {}
)


def no_subprocess(*args, **kwargs):
    raise AssertionError(f"a subprocess was started: {args}")


def run_hordak_step(python: str | None, skip: set[str] | None = None) -> tuple[dict | None, list[str]]:
    settled: list[str] = []
    command = ledger_bench.Command()
    result = command._hordak(
        BENCH,
        python,
        skip=skip or set(),
        settle=lambda: settled.append("settled"),
        seconds=1.0,
        workers=8,
        accounts=50,
    )
    return result, settled


def test_without_option_nor_variable_hordak_is_none_and_nothing_runs(monkeypatch):
    monkeypatch.delenv(ledger_bench.HORDAK_PYTHON_ENV, raising=False)
    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(subprocess, "Popen", no_subprocess)

    python = ledger_bench.hordak_python({"hordak_python": None})
    result, settled = run_hordak_step(python)

    assert python is None
    assert (result, settled) == (None, [])
    assert "hordak" in ledger_bench.WORKLOADS  # so `--skip hordak` is accepted


def test_the_variable_names_the_interpreter_and_the_option_wins_over_it(monkeypatch):
    monkeypatch.setenv(ledger_bench.HORDAK_PYTHON_ENV, "/opt/hordak/bin/python")

    assert ledger_bench.hordak_python({"hordak_python": None}) == "/opt/hordak/bin/python"
    assert ledger_bench.hordak_python({"hordak_python": "/tmp/other/python"}) == "/tmp/other/python"


def test_skipped_hordak_runs_nothing_even_with_an_interpreter(monkeypatch):
    monkeypatch.setattr(subprocess, "run", no_subprocess)

    assert run_hordak_step("/opt/hordak/bin/python", skip={"hordak"}) == (None, [])


def test_a_failing_hordak_program_is_reported_with_its_stderr_and_does_not_raise(monkeypatch):
    calls: list[list[str]] = []

    def failing(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="x" * 5000 + "No module named 'hordak'")

    monkeypatch.setattr(subprocess, "run", failing)

    result, settled = run_hordak_step("/opt/hordak/bin/python")

    assert settled == ["settled"]
    assert calls == [
        [
            "/opt/hordak/bin/python",
            str(measure.HORDAK_SCRIPT),
            *("--dsn", BENCH.url, "--seconds", "1.0", "--workers", "8", "--accounts", "50"),
        ]
    ]
    assert result is not None
    assert result["error"] == "exit 1" and result["returncode"] == 1
    assert result["stderr_tail"].endswith("No module named 'hordak'")
    assert len(result["stderr_tail"]) == measure.HORDAK_STDERR_TAIL


def test_a_missing_interpreter_is_reported_too(tmp_path):
    result = measure.hordak(str(tmp_path / "no-python"), BENCH.url, seconds=1.0, workers=2, accounts=20)

    assert result["error"].startswith("FileNotFoundError")
    assert result["returncode"] is None


# --- bench/hordak.py for real -------------------------------------------------------------------------

HORDAK_PYTHON = os.environ.get(ledger_bench.HORDAK_PYTHON_ENV)


@pytest.mark.postgresql
@requires_postgresql()
@pytest.mark.skipif(
    not HORDAK_PYTHON, reason=f"${ledger_bench.HORDAK_PYTHON_ENV} names no interpreter with django-hordak"
)
def test_the_hordak_program_times_transfer_to_and_drops_its_database():
    db = connection.settings_dict
    name = f"{db['NAME']}_hk"
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    assert HORDAK_PYTHON is not None

    done = subprocess.run(
        [
            *(HORDAK_PYTHON, str(measure.HORDAK_SCRIPT), "--dsn", url),
            *("--seconds", "0.5", "--workers", "2", "--accounts", "20", "--load-legs", "1000"),
        ],
        cwd=str(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["version"] == "2.0.0"
    for key in ("workers_1", "workers_2", "resolved_1", "resolved_2"):
        assert set(out[key]) == {"workers", "transfers", "seconds", "errors", "per_second"}, key
        assert out[key]["transfers"] > 0 and out[key]["errors"] == 0, key
    assert out["balance_read_ms"] > 0
    assert out["legs"] >= 1000
    # Three INSERTs between BEGIN and COMMIT; resolved: two SELECTs and hordak's savepoint around them.
    assert [sql.split()[0] for sql in out["statements"]["preloaded"]] == [
        "BEGIN",
        "INSERT",
        "INSERT",
        "INSERT",
        "COMMIT",
    ]
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres") as admin:
        names = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
    assert f"{name}_hordak" not in names
