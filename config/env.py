"""Small typed helpers that read settings from the environment.

Every value may also come from a file: `SECRET_KEY_FILE=/run/secrets/secret_key` reads the
secret from that file (systemd `LoadCredential=`, Docker/compose secrets, Kubernetes
volumes), so a secret never has to sit in an environment block that `ps e`, a crash report or
a child process could show.
"""

from __future__ import annotations

import os
from pathlib import Path


class EnvFileError(RuntimeError):
    """A `*_FILE` variable is set together with its plain twin, or names an unreadable file."""


def env_value(name: str) -> str | None:
    """The raw value of `name`, from `name` itself or from the file `name_FILE` names (None: unset)."""
    file_name = os.environ.get(f"{name}_FILE")
    value = os.environ.get(name)
    if not file_name:
        return value
    if value is not None:
        # Two sources for one secret: refuse rather than guess which one the operator meant.
        raise EnvFileError(f"{name} and {name}_FILE are both set; keep only one")
    try:
        # One trailing newline is what editors and `echo` add; anything else is the secret's.
        return Path(file_name).read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
    except OSError as error:
        raise EnvFileError(f"{name}_FILE: cannot read {file_name!r}: {error.strerror}") from error


def env_str(name: str, default: str) -> str:
    value = env_value(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = env_value(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_value(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_value(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
