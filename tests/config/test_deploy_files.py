"""The deployment samples work as shipped: the env file survives a shell, the compose worker
makes its metrics directory and shares MEDIA_ROOT with web."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = BASE_DIR / "deploy" / "bocage.env.example"


def assignments() -> dict[str, str]:
    """Each KEY=VALUE line as systemd's EnvironmentFile reads it (surrounding double quotes removed)."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            pairs[key] = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
    return pairs


def sourced(*then: str) -> subprocess.CompletedProcess[str]:
    script = f"set -euo pipefail; set -a; . {ENV_EXAMPLE}; set +a; " + " ".join(then)
    return subprocess.run(
        ["bash", "-c", script],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_env_example_survives_set_a_and_a_shell_reads_what_systemd_reads():
    result = sourced(sys.executable, "-c", "'import json, os; print(json.dumps(dict(os.environ)))'")

    assert result.returncode == 0, result.stderr
    environment = json.loads(result.stdout)
    expected = assignments()
    assert {key: environment.get(key) for key in expected} == expected
    assert environment["DEFAULT_FROM_EMAIL"] == "Bocage <noreply@bocage.example>"
    assert environment["DEBUG"] == "false"
    assert environment["MEDIA_ROOT"] == "/var/lib/bocage/media"
    assert environment["CACHE_URL"].startswith("redis://")


def test_the_env_example_passes_check_deploy(tmp_path):
    # Its own directories and secret files stand in for /var/lib/bocage and /etc/bocage, which this
    # machine does not have.
    (tmp_path / "email_password").write_text("relay-secret\n", encoding="utf-8")
    result = sourced(
        f"SECRET_KEY={secrets.token_urlsafe(64)} BOCAGE_VAR_DIR={tmp_path} MEDIA_ROOT={tmp_path}/media"
        f" EMAIL_HOST_PASSWORD_FILE={tmp_path}/email_password",
        sys.executable,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


def test_web_and_worker_mount_one_named_volume_at_media_root():
    services = compose()["services"]

    for name in ("web", "worker"):
        media_root = services[name]["environment"]["MEDIA_ROOT"]
        assert f"media:{media_root}" in services[name]["volumes"], name
    assert "media" in compose()["volumes"]


def test_the_compose_worker_makes_its_metrics_directory_before_celery_starts(tmp_path):
    command = compose()["services"]["worker"]["command"]
    assert command[:2] == ["sh", "-c"]
    # Compose turns $$ into $; a stand-in `celery` says whether the directory exists when it runs.
    script = command[2].replace("$$", "$")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "celery").write_text('#!/bin/sh\n[ -d "$PROMETHEUS_MULTIPROC_DIR" ] && echo "celery $*"\n')
    (fake_bin / "celery").chmod(0o755)
    metrics = tmp_path / "metrics"

    result = subprocess.run(
        ["sh", "-c", script],
        env={"PATH": f"{fake_bin}:{os.environ['PATH']}", "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    assert metrics.is_dir()
    assert result.stdout.startswith("celery -A config worker")
