"""Prometheus metrics: who may scrape, what is counted, and several gunicorn workers adding up."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from djmoney.money import Money
from prometheus_client import REGISTRY

from config.celery import app as celery_app
from config.metrics import flush_pending_postings
from ledger import services
from ledger.errors import InsufficientFunds, SameAccount
from ledger.models import Hold, Transaction
from ledger.tasks import seal_ledger
from tests.conftest import account_of

BASE_DIR = Path(__file__).resolve().parents[2]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def hrs(amount: str) -> Money:
    return Money(amount, "HRS")


# --- Who may scrape ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_loopback_may_scrape_and_sees_the_request_counters(client):
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert 'bocage_http_requests_total{method="GET",status="200",view="healthz"}' in text
    assert "bocage_http_request_duration_seconds_bucket" in text
    assert "bocage_ledger_last_transaction_id" in text


@pytest.mark.django_db
def test_another_address_is_refused_with_a_json_403(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "Metrics are not available to this caller."}


@pytest.mark.django_db
def test_an_allowed_network_may_scrape(client, settings):
    settings.BOCAGE_METRICS_ALLOWED_IPS = ["10.1.2.3", "203.0.113.0/24"]

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.4").status_code == 403


@pytest.mark.django_db
def test_a_request_forwarded_by_the_proxy_is_not_trusted_for_its_loopback_address(client):
    # Behind nginx every caller arrives from 127.0.0.1: the address proves nothing then.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")

    assert response.status_code == 403


@pytest.mark.django_db
def test_the_bearer_token_opens_metrics_from_anywhere_and_a_wrong_one_does_not(client, settings):
    settings.BOCAGE_METRICS_TOKEN = "s3cret-scrape-token"

    good = client.get("/metrics", REMOTE_ADDR="198.51.100.9", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    wrong = client.get("/metrics", REMOTE_ADDR="198.51.100.9", HTTP_AUTHORIZATION="Bearer guess")
    # A wrong token is a refusal even from the loopback: the caller meant to use the token.
    wrong_local = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")

    assert good.status_code == 200
    assert wrong.status_code == 403
    assert wrong_local.status_code == 403


# --- What is counted -----------------------------------------------------------------------


@pytest.mark.django_db
def test_requests_are_counted_by_view_method_and_status(client):
    before_ok = sample("bocage_http_requests_total", view="healthz", method="GET", status="200")
    before_405 = sample("bocage_http_requests_total", view="readyz", method="POST", status="405")
    before_hist = sample("bocage_http_request_duration_seconds_count", view="healthz", method="GET", status="200")

    for _ in range(3):
        client.get("/healthz")
    client.post("/readyz")

    assert sample("bocage_http_requests_total", view="healthz", method="GET", status="200") == before_ok + 3
    assert sample("bocage_http_requests_total", view="readyz", method="POST", status="405") == before_405 + 1
    assert (
        sample("bocage_http_request_duration_seconds_count", view="healthz", method="GET", status="200")
        == before_hist + 3
    )


@pytest.mark.django_db
def test_committed_postings_and_hold_events_are_counted_once_committed(make_member, django_capture_on_commit_callbacks):
    payer, payee = make_member(), make_member()
    payer_hrs, payee_hrs = account_of(payer, "HRS"), account_of(payee, "HRS")
    posted = sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted")
    captures = sample("bocage_ledger_postings_total", unit="HRS", kind="hold_capture", outcome="posted")
    events = {e: sample("bocage_ledger_holds_total", unit="HRS", event=e) for e in ("created", "captured", "voided")}

    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_create(from_account=payer_hrs, to_account=payee_hrs, amount=hrs("2"), actor=None)
        services.transfer_create(from_account=payee_hrs, to_account=payer_hrs, amount=hrs("1"), actor=None)
    # Nothing is counted before the commit: the callbacks are what counts.
    with django_capture_on_commit_callbacks(execute=False) as pending:
        hold = services.hold_create(from_account=payer_hrs, to_account=payee_hrs, amount=hrs("3"), actor=None)
    assert sample("bocage_ledger_holds_total", unit="HRS", event="created") == events["created"]
    for callback in pending:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        services.hold_capture(hold=hold, actor=None)
        other = services.hold_create(from_account=payer_hrs, to_account=payee_hrs, amount=hrs("1"), actor=None)
        services.hold_void(hold=other, actor=None)

    flush_pending_postings()
    assert sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted") == posted + 2
    assert sample("bocage_ledger_postings_total", unit="HRS", kind="hold_capture", outcome="posted") == captures + 1
    assert sample("bocage_ledger_holds_total", unit="HRS", event="created") == events["created"] + 2
    assert sample("bocage_ledger_holds_total", unit="HRS", event="captured") == events["captured"] + 1
    assert sample("bocage_ledger_holds_total", unit="HRS", event="voided") == events["voided"] + 1
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.CAPTURED


@pytest.mark.django_db
def test_a_batch_is_counted_once_committed_and_a_refused_batch_not_at_all(
    make_member, django_capture_on_commit_callbacks
):
    payer, payee = account_of(make_member(), "HRS"), account_of(make_member(), "HRS")
    posted = sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted")
    batch = [services.BatchTransfer(from_account_id=payer.pk, to_account_id=payee.pk, amount=hrs("1"))] * 3

    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.transactions_post_batch(transfers=batch, actor=None)
    assert sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted") == posted
    for callback in pending:
        callback()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SameAccount):
        services.transactions_post_batch(
            transfers=[
                *batch,
                services.BatchTransfer(from_account_id=payer.pk, to_account_id=payer.pk, amount=hrs("1")),
            ],
            actor=None,
        )

    assert sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted") == posted + 3


@pytest.mark.django_db
def test_postings_cost_no_query_when_they_commit_and_the_next_scrape_counts_them(
    client, make_member, django_capture_on_commit_callbacks, django_assert_num_queries
):
    payer, payee = make_member(), make_member()
    posted = sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(3):
            services.transfer_create(
                from_account=account_of(payer, "HRS"), to_account=account_of(payee, "HRS"), amount=hrs("1"), actor=None
            )

    with django_assert_num_queries(0):
        for callback in callbacks:
            callback()
    text = client.get("/metrics").content.decode()

    assert f'bocage_ledger_postings_total{{kind="transfer",outcome="posted",unit="HRS"}} {posted + 3}' in text


@pytest.mark.django_db
def test_expired_holds_are_counted(make_member, django_capture_on_commit_callbacks):
    payer, payee = make_member(), make_member()
    expired = sample("bocage_ledger_holds_total", unit="HRS", event="expired")
    with django_capture_on_commit_callbacks(execute=True):
        services.hold_create(
            from_account=account_of(payer, "HRS"),
            to_account=account_of(payee, "HRS"),
            amount=hrs("1"),
            actor=None,
            expires_at=timezone.now() + timedelta(minutes=1),
        )
        assert services.holds_expire_due(now=timezone.now() + timedelta(minutes=2)) == 1

    assert sample("bocage_ledger_holds_total", unit="HRS", event="expired") == expired + 1


@pytest.mark.django_db
def test_a_refused_posting_counts_nothing_as_posted(make_member, django_capture_on_commit_callbacks):
    payer, payee = make_member(), make_member()
    posted = sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted")
    count = Transaction.objects.count()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientFunds):
        services.transfer_create(
            from_account=account_of(payer, "HRS"), to_account=account_of(payee, "HRS"), amount=hrs("500"), actor=None
        )

    assert Transaction.objects.count() == count
    flush_pending_postings()
    assert sample("bocage_ledger_postings_total", unit="HRS", kind="transfer", outcome="posted") == posted


@celery_app.task(name="tests.config.metrics_boom")
def boom() -> None:
    raise RuntimeError("boom")


@celery_app.task(name="tests.config.metrics_flaky", bind=True, max_retries=2)
def flaky(self) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "done"


@pytest.mark.django_db
def test_celery_task_outcomes_are_counted_by_task_name():
    success = sample("bocage_celery_tasks_total", task="ledger.tasks.seal_ledger", outcome="success")
    failure = sample("bocage_celery_tasks_total", task="tests.config.metrics_boom", outcome="failure")
    retry = sample("bocage_celery_tasks_total", task="tests.config.metrics_flaky", outcome="retry")
    flaky_success = sample("bocage_celery_tasks_total", task="tests.config.metrics_flaky", outcome="success")

    seal_ledger.apply()
    boom.apply()
    assert flaky.apply().get() == "done"

    assert sample("bocage_celery_tasks_total", task="ledger.tasks.seal_ledger", outcome="success") == success + 1
    assert sample("bocage_celery_tasks_total", task="tests.config.metrics_boom", outcome="failure") == failure + 1
    assert sample("bocage_celery_tasks_total", task="tests.config.metrics_flaky", outcome="retry") == retry + 1
    assert (
        sample("bocage_celery_tasks_total", task="tests.config.metrics_flaky", outcome="success") == flaky_success + 1
    )


@pytest.mark.django_db
def test_ledger_gauges_show_the_last_transaction_and_pending_holds(client, make_member):
    payer, payee = make_member(), make_member()
    txn = services.transfer_create(
        from_account=account_of(payer, "HRS"), to_account=account_of(payee, "HRS"), amount=hrs("2"), actor=None
    )
    services.hold_create(
        from_account=account_of(payer, "HRS"), to_account=account_of(payee, "HRS"), amount=hrs("1.5"), actor=None
    )

    text = client.get("/metrics").content.decode()

    assert f"bocage_ledger_last_transaction_id {float(txn.pk)}" in text
    assert 'bocage_ledger_pending_holds{unit="HRS"} 1.0' in text
    assert 'bocage_ledger_pending_held{unit="HRS"} 1.5' in text


# --- Several gunicorn workers, one scrape ---------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A worker the master has not reaped yet is a zombie: gone for our purpose.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def wait_until(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def http_get_or_none(url: str) -> int | None:
    try:
        return http_get(url)[0]
    except OSError:
        return None


def test_two_gunicorn_workers_add_up_their_counters_and_log_json(tmp_path):
    """The production profile under gunicorn: JSON access and app lines, metrics summed over workers."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "stale_from_a_previous_run.db").write_bytes(b"garbage")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="gunicorn-test-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        BOCAGE_METRICS_LEDGER_GAUGES="false",
        LOG_FORMAT="json",
        GUNICORN_MAX_REQUESTS="0",
        BOCAGE_VAR_DIR=str(tmp_path / "var"),
    )
    env.pop("DATABASE_URL", None)  # its own SQLite file under tmp_path: nothing shared is touched
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        for _ in range(20):
            http_get(f"http://127.0.0.1:{port}/healthz", {"Connection": "close"})
        status, _body, headers = http_get(f"http://127.0.0.1:{port}/readyz?probe=1", {"X-Request-ID": "probe-req-0001"})
        # Every worker that answered so far is stopped; gunicorn starts new ones. The scrape is
        # then answered by a process that served none of those requests: only the shared
        # metrics directory can still know them.
        served_by = {int(p) for p in re.findall(r'"pid": (\d+)', log_path.read_text())}
        assert served_by and server.pid not in served_by
        for pid in served_by:
            os.kill(pid, signal.SIGTERM)
        assert wait_until(lambda: not any(alive(pid) for pid in served_by)), "the old workers stopped"
        assert wait_until(lambda: http_get_or_none(f"http://127.0.0.1:{port}/readyz") is not None)
        scrape_status, scrape, _headers = http_get(f"http://127.0.0.1:{port}/metrics")
        # Through the TLS proxy (X-Forwarded-Proto trusted from the loopback): no redirect.
        api_status = http_get(f"http://127.0.0.1:{port}/api/accounts/", {"X-Forwarded-Proto": "https"})[0]
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert scrape_status == 200
    served = re.search(r'bocage_http_requests_total\{method="GET",status="200",view="healthz"\} ([0-9.]+)', scrape)
    assert served is not None, scrape[:2000]
    # The first successful probe plus 20, all answered by workers that are gone now.
    assert float(served.group(1)) == 21
    later = {int(p) for p in re.findall(r'"pid": (\d+)', log_path.read_text())} - served_by
    assert later, "new workers answered after the old ones stopped"
    assert headers["X-Request-ID"] == "probe-req-0001"

    lines = [line for line in log_path.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "gunicorn.access" and r["request_id"] == "probe-req-0001"]
    assert len(access) == 1
    assert access[0]["path"] == "/readyz"
    assert access[0]["request_id"] == "probe-req-0001"
    assert access[0]["status"] == status
    assert access[0]["query"] == "probe=1"
    assert not (metrics_dir / "stale_from_a_previous_run.db").exists()
    # The application's own line for the API call: JSON, with its id, status, duration and user.
    assert api_status == 401
    app_lines = [r for r in records if r["logger"] == "bocage.request"]
    assert [(r["method"], r["path"], r["status"], r["user_id"]) for r in app_lines] == [
        ("GET", "/api/accounts/", 401, None)
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", app_lines[0]["request_id"])
    assert app_lines[0]["duration_ms"] >= 0
