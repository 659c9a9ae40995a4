"""Strict readers for settings taken from environment variables.

A wrong value must stop start-up with a message that names the variable and says what is
expected: a typo in production configuration must never fall back silently to a default.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no switch; anything but the usual spellings is an error."""
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Read a whole number, optionally with bounds."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number}: must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number}: must be at most {maximum}")
    return number


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list; empty items are dropped."""
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str, *, required: bool = True) -> str:
    """Read an http(s) address (no trailing slash); empty is allowed only if not required."""
    value = env_str(name, default) if required else (_raw(name) or default)
    if not value and not required:
        return ""
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise ImproperlyConfigured(
            f"{name}={_without_password(value)!r}: expected an address like https://host/path"
        )
    return value.rstrip("/")


def env_secret(name: str, file_path: Path) -> str:
    """Read the secret key from the environment, else from a file made on first run.

    `make run` generates the file; a server started without either is refused, because a
    guessable key would let anyone forge sessions.
    """
    value = _raw(name)
    if value:
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name}: the secret key must be at least 32 characters")
        return value
    if file_path.exists():
        text = file_path.read_text(encoding="utf-8").strip()
        if len(text) >= 32:
            return text
        raise ImproperlyConfigured(
            f"{file_path}: the secret key file is shorter than 32 characters"
        )
    raise ImproperlyConfigured(
        f"No secret key: set {name} or create {file_path} (make run does it for you)"
    )


def _without_password(url: str) -> str:
    """The URL as it may appear in a log: a password is replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def env_database_url(name: str, default: str) -> dict:
    """Parse DATABASE_URL: only sqlite:///path and postgres(ql)://... are accepted."""
    import dj_database_url

    url = env_str(name, default)
    shown = _without_password(url)
    if not (url.startswith("sqlite:///") or url.split("://", 1)[0] in {"postgres", "postgresql"}):
        raise ImproperlyConfigured(
            f"{name}={shown!r}: expected sqlite:///path or postgresql://user:pass@host:port/name"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj_database_url raises several kinds
        raise ImproperlyConfigured(
            f"{name}: cannot parse {shown!r}: {str(exc).replace(url, shown)}"
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers and the worker go on while one writer commits; IMMEDIATE makes a
        # writing transaction take the lock at BEGIN, so two writers queue instead of failing.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file (not memory) so worker processes started by a test share it.
        config["TEST"] = {"NAME": str(Path(config["NAME"]).with_name("test-motcua.sqlite3"))}
    return config
