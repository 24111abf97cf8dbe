"""`make run`, the way a user runs it: the embedded platform really works, its worker and beat included.

The same steps as the Makefile's `run` target (migrate, seed_demo, scripts/run-embedded.sh) in a
fresh var directory, with no DATABASE_URL and no CELERY_BROKER_URL: SQLite and the embedded
SQLAlchemy broker. The beat's hold-expiry and seal intervals and the seal lag are shortened through
their settings' environment variables. Then an auditor's export asked for through the API is
built, a due hold is expired by the beat, the ledger is sealed and verifies, and the worker has
logged no error; TERM to the script stops every process it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from tests.proofs import faults

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the embedded run is SQLite and its embedded broker whatever DATABASE_URL says: the SQLite run of "
    "the suite covers it once",
)

BASE_DIR = Path(settings.BASE_DIR)
PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
# Output of the worker that means something went wrong and was not recovered from.
UNRECOVERED = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")
# The variables a user running `make run` does not set (the test run sets some of them).
NOT_SET_BY_A_USER = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "BOCAGE_TEST_DB_SUFFIX",
    "BOCAGE_VAR_DIR",
    "MEDIA_ROOT",
    "DEBUG",
    "PORT",
    "DJANGO_SETTINGS_MODULE",
}

# Alice's hold of 2.50 ACH towards the bakery, due in a few seconds: the beat must expire it.
CREATE_DUE_HOLD = """
from datetime import timedelta
from django.utils import timezone
from djmoney.money import Money
from ledger import services
from ledger.models import Account
def account(username):
    return Account.objects.get(kind=Account.Kind.MEMBER, holder__user__username=username, unit="ACH")
hold = services.hold_create(from_account=account("alice"), to_account=account("boulangerie"),
    amount=Money("2.50", "ACH"), actor=None, expires_at=timezone.now() + timedelta(seconds=3))
print(hold.pk)
"""


class EmbeddedRun(faults.ProcessGroup):
    """scripts/run-embedded.sh in a session of its own; its children each lead a process group."""

    def __init__(self, environment: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["bash", "scripts/run-embedded.sh"],
                cwd=BASE_DIR,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.session = self.process.pid

    def session_pids(self) -> list[int]:
        """Every process still alive in the script's session (the script, the worker, the server…)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    if os.getsid(int(entry.name)) == self.session:
                        pids.append(int(entry.name))
        return pids

    def kill(self) -> None:
        # Not only the script's group: its children lead groups of their own.
        for pid in self.session_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(20)
            self.process = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def manage(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def api(base_url: str, path: str, *, token: str = "", body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Token {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def database_value(database: Path, sql: str, *parameters: Any) -> Any:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as reader:
        row = reader.execute(sql, parameters).fetchone()
    return row[0] if row else None


def poll(condition: Callable[[], bool], run: EmbeddedRun, what: str, timeout: float = 60) -> None:
    assert faults.wait_until(condition, timeout, step=0.2), f"{what}\n{run.output()[-4000:]}"


def test_make_run_serves_and_its_worker_and_beat_build_an_export_expire_a_hold_and_seal_the_ledger(tmp_path):
    var_dir = tmp_path / "var"
    port = faults.free_port()
    environment = {key: value for key, value in os.environ.items() if key not in NOT_SET_BY_A_USER}
    environment.update(
        BOCAGE_VAR_DIR=str(var_dir),
        PORT=str(port),
        LEDGER_SEAL_LAG_SECONDS="0",
        BOCAGE_SEAL_INTERVAL_SECONDS="1",
        BOCAGE_HOLDS_EXPIRE_SECONDS="1",
    )
    database = var_dir / "bocage.sqlite3"
    # The Makefile's steps before the script (seed_demo takes ~5 s: the real demo, not a stand-in).
    for step in (("migrate", "--noinput"), ("seed_demo",)):
        finished = manage(environment, *step)
        assert finished.returncode == 0, finished.stderr
    created = manage(environment, "shell", "-c", CREATE_DUE_HOLD)
    assert created.returncode == 0, created.stderr
    hold_id = int(created.stdout.strip().splitlines()[-1])
    assert database_value(database, "SELECT count(*) FROM ledger_seal") == 0

    run = EmbeddedRun(environment, var_dir / "make-run.log")
    try:
        base_url = f"http://127.0.0.1:{port}"
        poll(lambda: "Demo logins" in run.output(), run, "the banner never came", timeout=60)
        output = run.output()
        # The banner ends the output, after runserver's own lines, with the port actually served.
        assert output.index("Starting development server at") < output.index(f"Bocage runs on {base_url}/")
        assert "auditor auditrice" in output
        assert "administrator admin (password bocage-admin)" in output

        # An auditor asks for this year's FEC through the API; the worker builds it.
        status, answer = api(base_url, "/api/auth/token/", body={"username": "auditrice", "password": "bocage-demo"})
        token = answer["token"]
        status, job = api(
            base_url, "/api/audit/exports/", token=token, body={"kind": "fec", "year": timezone.now().year}
        )
        assert (status, job["status"]) == (202, "queued")

        def export_status() -> str:
            return str(api(base_url, f"/api/audit/exports/{job['id']}/", token=token)[1]["status"])

        poll(lambda: export_status() == "done", run, "the export never got built")

        # The beat expires the due hold and seals the ledger.
        poll(
            lambda: database_value(database, "SELECT status FROM ledger_hold WHERE id = ?", hold_id) == "expired",
            run,
            "the due hold was never expired",
        )
        poll(lambda: database_value(database, "SELECT count(*) FROM ledger_seal") > 0, run, "no seal ever came")
        verified = manage(environment, "verify_ledger")
        assert verified.returncode == 0, verified.stderr
        assert "OK: the ledger verifies." in verified.stdout

        worker_log = (var_dir / "celery.log").read_text(errors="replace")
        assert "celery@" in worker_log and "beat: active" in worker_log
        assert not UNRECOVERED.search(worker_log), worker_log[-4000:]

        # TERM to the script alone (as a service manager does, or Ctrl-C): nothing stays behind.
        assert run.process is not None
        run.process.send_signal(signal.SIGTERM)
        run.process.wait(60)
        poll(lambda: run.session_pids() == [], run, f"processes left behind: {run.session_pids()}")
        assert not faults.port_open(port)
    finally:
        run.kill()
