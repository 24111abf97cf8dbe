"""Mail settings from one URL (EMAIL_URL) or from the six classic variables.

    smtp://user:pass@host:587/?tls=1&timeout=10   STARTTLS on 587 (`submission://` is the same)
    smtps://user:pass@host:465/                   implicit TLS (port 465 unless given)
    console://  ·  file:///var/lib/bocage/mail  ·  locmem://  ·  dummy://

Written here rather than taken from dj-email-url: its 1.0.6 reads `smtps://` as STARTTLS with no
port and drops the leading slash of `file:///abs/path`, both of which would mislead an operator.
Credentials are percent-decoded, so a password may hold `@`, `:` or `/` as `%40`, `%3A`, `%2F`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "submission": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_TRUE = {"1", "true", "yes", "on"}


def email_from_url(url: str, *, default_timeout: int) -> dict[str, Any]:
    """The EMAIL_* settings one URL stands for; ValueError names what is wrong."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ValueError(f"EMAIL_URL: unsupported scheme {scheme!r} ({', '.join(sorted(BACKENDS))})")
    settings: dict[str, Any] = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme == "file":
        if not parts.path:
            raise ValueError("EMAIL_URL: file:// needs a directory, e.g. file:///var/lib/bocage/mail")
        settings["EMAIL_FILE_PATH"] = unquote(parts.path)
        return settings
    if scheme not in {"smtp", "smtps", "submission"}:
        return settings
    query = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}
    use_ssl = scheme == "smtps" or query.get("ssl", "").lower() in _TRUE
    use_tls = not use_ssl and (scheme == "submission" or query.get("tls", "").lower() in _TRUE)
    if not parts.hostname:
        raise ValueError("EMAIL_URL: the SMTP server's host is missing, e.g. smtp://mail.example.org:587/?tls=1")
    settings |= {
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": _timeout(query.get("timeout"), default_timeout),
    }
    return settings


def _timeout(value: str | None, default: int) -> int:
    # A server that accepts and never answers would hold a worker forever: never "no timeout".
    timeout = int(value) if value else default
    if timeout <= 0:
        raise ValueError("EMAIL_TIMEOUT must be a positive number of seconds")
    return timeout


def email_settings(*, debug: bool, var_dir: str) -> dict[str, Any]:
    """Every EMAIL_* setting, from EMAIL_URL, else the six variables, else the defaults.

    Defaults: files under var/mail in the embedded run (DEBUG on), so that seeding and trying the
    demo print no raw mail; a local MTA on localhost:25 in production.
    """
    from .env import env_bool, env_int, env_str, env_value

    timeout = _timeout(env_value("EMAIL_TIMEOUT"), 10)
    chosen: dict[str, Any] = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"
        if debug
        else "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_FILE_PATH": f"{var_dir}/mail",
        "EMAIL_HOST": "localhost",
        "EMAIL_PORT": 25,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": timeout,
    }
    url = env_str("EMAIL_URL", "")
    if url:
        return chosen | email_from_url(url, default_timeout=timeout)
    if env_value("EMAIL_HOST"):
        use_ssl = env_bool("EMAIL_USE_SSL", False)
        use_tls = env_bool("EMAIL_USE_TLS", False)
        if use_ssl and use_tls:
            raise ValueError("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: STARTTLS (587) or implicit TLS (465)")
        return chosen | {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": env_str("EMAIL_HOST", "localhost"),
            "EMAIL_PORT": env_int("EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25),
            "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": use_tls,
            "EMAIL_USE_SSL": use_ssl,
        }
    return chosen | {"EMAIL_BACKEND": env_str("EMAIL_BACKEND", chosen["EMAIL_BACKEND"])}
