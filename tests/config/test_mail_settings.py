"""Mail settings from the environment: EMAIL_URL or the six variables, always a timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.email_url import email_from_url, email_settings

SMTP = "django.core.mail.backends.smtp.EmailBackend"
MAIL_VARIABLES = [
    "EMAIL_URL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
]


@pytest.fixture
def clean_mail_environment(monkeypatch):
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    return monkeypatch


def test_the_embedded_default_writes_mail_to_files_under_var_mail_and_production_to_a_local_mta(
    clean_mail_environment,
):
    embedded = email_settings(debug=True, var_dir="/srv/bocage/var")
    production = email_settings(debug=False, var_dir="/srv/bocage/var")
    assert (embedded["EMAIL_BACKEND"], embedded["EMAIL_FILE_PATH"], embedded["EMAIL_TIMEOUT"]) == (
        "django.core.mail.backends.filebased.EmailBackend",
        "/srv/bocage/var/mail",
        10,
    )
    assert (production["EMAIL_BACKEND"], production["EMAIL_HOST"], production["EMAIL_PORT"]) == (SMTP, "localhost", 25)
    assert production["EMAIL_TIMEOUT"] == 10


def test_an_email_url_gives_host_port_credentials_tls_and_timeout(clean_mail_environment):
    clean_mail_environment.setenv("EMAIL_URL", "smtp://bocage%40asso.fr:p%40ss%2Fw@mail.asso.fr:2525/?tls=1&timeout=7")
    chosen = email_settings(debug=False, var_dir="/var")
    assert {name: chosen[name] for name in MAIL_VARIABLES[1:]} == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.asso.fr",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "bocage@asso.fr",
        "EMAIL_HOST_PASSWORD": "p@ss/w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 7,
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtps://u:p@mail.asso.fr", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False}),
        ("submission://mail.asso.fr", {"EMAIL_PORT": 587, "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": True}),
        ("smtp://mail.asso.fr", {"EMAIL_PORT": 25, "EMAIL_USE_SSL": False, "EMAIL_TIMEOUT": 10}),
        ("file:///var/lib/bocage/mail", {"EMAIL_FILE_PATH": "/var/lib/bocage/mail"}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ],
)
def test_each_email_url_scheme_means_what_operators_expect(url, expected):
    chosen = email_from_url(url, default_timeout=10)
    assert {name: chosen[name] for name in expected} == expected


def test_the_six_variables_configure_smtp_with_the_default_timeout(clean_mail_environment):
    for name, value in {
        "EMAIL_HOST": "smtp.asso.fr",
        "EMAIL_HOST_USER": "bocage",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_SSL": "true",
    }.items():
        clean_mail_environment.setenv(name, value)
    chosen = email_settings(debug=True, var_dir="/var")
    assert (chosen["EMAIL_BACKEND"], chosen["EMAIL_HOST"], chosen["EMAIL_PORT"]) == (SMTP, "smtp.asso.fr", 465)
    assert (chosen["EMAIL_HOST_USER"], chosen["EMAIL_HOST_PASSWORD"], chosen["EMAIL_USE_SSL"]) == (
        "bocage",
        "secret",
        True,
    )
    assert chosen["EMAIL_TIMEOUT"] == 10


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"EMAIL_URL": "smtp://mail.asso.fr/?timeout=0"}, "EMAIL_TIMEOUT must be a positive number"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT must be a positive number"),
        ({"EMAIL_URL": "sendgrid://key"}, "unsupported scheme 'sendgrid'"),
        ({"EMAIL_URL": "smtp:///"}, "host is missing"),
        ({"EMAIL_HOST": "h", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"}, "exclusive"),
    ],
)
def test_a_mail_setting_that_cannot_work_stops_the_start_with_its_reason(clean_mail_environment, variables, message):
    for name, value in variables.items():
        clean_mail_environment.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        email_settings(debug=False, var_dir="/var")


def test_the_settings_link_mails_to_the_port_served_and_keep_embedded_mail_in_files(tmp_path):
    environment = {
        name: value for name, value in os.environ.items() if name not in MAIL_VARIABLES and name != "SITE_URL"
    }
    environment |= {"PORT": "8123", "DEBUG": "1", "BOCAGE_VAR_DIR": str(tmp_path)}
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SITE_URL, s.EMAIL_BACKEND, s.EMAIL_FILE_PATH, s.EMAIL_TIMEOUT]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment | {"DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == [
        "http://127.0.0.1:8123",
        "django.core.mail.backends.filebased.EmailBackend",
        f"{tmp_path}/mail",
        10,
    ]
