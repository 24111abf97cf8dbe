"""Structured logs: one JSON object per line, with the request id (or the Celery task id)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from config.celery import app as celery_app
from config.logging import JsonFormatter, logging_config
from config.request_id import RequestIdFilter, sane_request_id

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production LOGGING (JSON, access lines at INFO), its console writing into a buffer."""
    buffer = io.StringIO()
    logging.config.dictConfig(logging_config(log_format="json", level="WARNING", access_level="INFO"))
    console = logging.getLogger().handlers[0]
    assert isinstance(console, logging.StreamHandler)
    console.setStream(buffer)
    try:
        yield buffer
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def records(buffer: io.StringIO) -> list[dict]:
    # Every line must parse: a line that is not JSON fails the test here.
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_request_writes_one_json_line_with_its_id_method_path_status_duration_and_user(
    client, json_log, django_user_model
):
    user = django_user_model.objects.create_user(username="logger", password="x-long-password-1")
    client.force_login(user)

    response = client.get("/api/units/")

    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = [r for r in records(json_log) if r["logger"] == "bocage.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["path"] == "/api/units/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user.pk
    assert line["view"] == "api-units"
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_an_anonymous_request_logs_a_null_user(client, json_log):
    response = client.get("/api/accounts/")

    line = next(r for r in records(json_log) if r["logger"] == "bocage.request")
    assert line["status"] == response.status_code == 401
    assert line["user_id"] is None


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_when_sane_and_replaced_when_not(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="0f6c1d6e-3b8e-4a53-9a51-2d5d0b8f7e11")
    too_short = client.get("/healthz", HTTP_X_REQUEST_ID="abc")
    odd = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected=1 {"a":1}')
    huge = client.get("/healthz", HTTP_X_REQUEST_ID="a" * 500)

    assert kept["X-Request-ID"] == "0f6c1d6e-3b8e-4a53-9a51-2d5d0b8f7e11"
    for response in (too_short, odd, huge):
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert sane_request_id("line\nbreak-0123") is None


@pytest.mark.django_db
def test_log_lines_written_inside_a_request_carry_its_id(client, settings, json_log):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz", HTTP_X_REQUEST_ID="req-from-nginx-42")

    assert response.status_code == 503
    warning = next(r for r in records(json_log) if r["logger"] == "config.health")
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == "req-from-nginx-42"
    assert "broker" in warning["message"]
    # Probes are not access-logged at INFO (they would drown the log).
    assert [r for r in records(json_log) if r["logger"] == "bocage.request"] == []


task_logger = logging.getLogger("tests.config.task")


@celery_app.task(name="tests.config.logging_task")
def logging_task() -> str:
    task_logger.warning("inside the task")
    return "ok"


def test_celery_task_lines_carry_the_task_id_and_name(json_log):
    result = logging_task.apply(task_id="task-id-0001")

    assert result.get() == "ok"
    line = next(r for r in records(json_log) if r["message"] == "inside the task")
    assert line["task_id"] == "task-id-0001"
    assert line["task_name"] == "tests.config.logging_task"
    assert line["request_id"] is None


def test_the_formatter_keeps_extras_and_exceptions_and_never_fails_on_odd_values():
    record = logging.LogRecord("bocage.test", logging.ERROR, __file__, 1, "failed %s", ("here",), None)
    record.amount = object()  # not JSON: written as its str()
    record.unit = "ACH"
    try:
        raise ValueError("bad")
    except ValueError:
        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "failed here"
    assert line["level"] == "ERROR"
    assert line["unit"] == "ACH"
    assert line["amount"].startswith("<object object at")
    assert "ValueError: bad" in line["exc_info"]
    assert "\n" not in JsonFormatter().format(record)


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT must be 'json' or 'plain'"):
        logging_config(log_format="xml", level="INFO", access_level="INFO")


@pytest.mark.parametrize(("debug", "expected"), [("false", "json"), ("true", "plain")])
def test_logs_are_json_in_production_and_plain_in_development_by_default(debug, expected):
    environ = {k: v for k, v in os.environ.items() if k not in {"LOG_FORMAT", "DEBUG", "SECRET_KEY"}}
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
        "from django.conf import settings; "
        "print(settings.LOG_FORMAT, settings.LOGGING['handlers']['console']['formatter'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**environ, "DEBUG": debug, "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "bocage.example"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected, expected]
