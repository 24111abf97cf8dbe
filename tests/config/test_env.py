"""Secrets come from the environment or from files (`SECRET_KEY_FILE=/run/secrets/…`)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import EnvFileError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_value_is_read_from_the_file_its_FILE_variable_names(tmp_path, monkeypatch):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file-0123456789\n")
    monkeypatch.delenv("BOCAGE_TEST_SECRET", raising=False)
    monkeypatch.setenv("BOCAGE_TEST_SECRET_FILE", str(secret))

    assert env_str("BOCAGE_TEST_SECRET", "default") == "from-a-file-0123456789"


def test_only_one_trailing_newline_is_dropped(tmp_path, monkeypatch):
    (tmp_path / "v").write_text("  spaced value \n\n")
    monkeypatch.setenv("BOCAGE_TEST_VALUE_FILE", str(tmp_path / "v"))

    assert env_str("BOCAGE_TEST_VALUE", "") == "  spaced value \n"


def test_typed_helpers_read_files_too(tmp_path, monkeypatch):
    (tmp_path / "n").write_text("42\n")
    (tmp_path / "b").write_text("yes\n")
    (tmp_path / "l").write_text("a.example, b.example\n")
    monkeypatch.setenv("BOCAGE_TEST_N_FILE", str(tmp_path / "n"))
    monkeypatch.setenv("BOCAGE_TEST_B_FILE", str(tmp_path / "b"))
    monkeypatch.setenv("BOCAGE_TEST_L_FILE", str(tmp_path / "l"))

    assert env_int("BOCAGE_TEST_N", 1) == 42
    assert env_bool("BOCAGE_TEST_B", False) is True
    assert env_list("BOCAGE_TEST_L", []) == ["a.example", "b.example"]


def test_both_the_value_and_its_file_set_is_refused(tmp_path, monkeypatch):
    (tmp_path / "s").write_text("one")
    monkeypatch.setenv("BOCAGE_TEST_SECRET", "two")
    monkeypatch.setenv("BOCAGE_TEST_SECRET_FILE", str(tmp_path / "s"))

    with pytest.raises(EnvFileError, match="BOCAGE_TEST_SECRET and BOCAGE_TEST_SECRET_FILE are both set"):
        env_str("BOCAGE_TEST_SECRET", "")


def test_an_unreadable_file_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.delenv("BOCAGE_TEST_SECRET", raising=False)
    monkeypatch.setenv("BOCAGE_TEST_SECRET_FILE", str(tmp_path / "missing"))

    with pytest.raises(EnvFileError, match="BOCAGE_TEST_SECRET_FILE: cannot read"):
        env_str("BOCAGE_TEST_SECRET", "")


def test_the_production_settings_take_the_secret_key_from_a_file(tmp_path):
    key = secrets.token_urlsafe(64)
    (tmp_path / "secret_key").write_text(key + "\n")
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={
            **environ,
            "DEBUG": "false",
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
            "ALLOWED_HOSTS": "bocage.example",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key
