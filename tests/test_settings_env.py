"""Strict settings from the environment (motcua.env): a typo must stop start-up with a message
that names the variable, never fall back silently to a default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.env import env_bool, env_database_url, env_int, env_list, env_secret, env_str

ROOT = Path(__file__).resolve().parent.parent
VAR = "MOTCUA_TEST_SETTING"
GOOD_SECRET = "s" * 32


@pytest.fixture
def env(monkeypatch):
    """Set (or with None, remove) one environment variable for the test."""

    def set_value(value: str | None, name: str = VAR) -> None:
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    return set_value


# ---------------------------------------------------------------- env_bool


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("True", True),
     ("0", False), ("false", False), ("No", False), ("off", False), ("", False)],
)  # fmt: skip
def test_env_bool_accepts_the_usual_spellings(env, value, expected):
    env(value)
    assert env_bool(VAR, not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_gives_the_default(env, default):
    env(None)
    assert env_bool(VAR, default) is default


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enable", "tru e"])
def test_env_bool_refuses_anything_else_naming_the_variable(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match=VAR) as raised:
        env_bool(VAR, False)
    assert repr(value.strip()) in str(raised.value)


# ---------------------------------------------------------------- env_int


@pytest.mark.parametrize(("value", "expected"), [("12", 12), (" 300 ", 300), ("-4", -4)])
def test_env_int_reads_whole_numbers(env, value, expected):
    env(value)
    assert env_int(VAR, 7) == expected


@pytest.mark.parametrize("value", [None, ""])
def test_env_int_unset_or_empty_gives_the_default(env, value):
    env(value)
    assert env_int(VAR, 7, minimum=5) == 7


@pytest.mark.parametrize("value", ["12a", "1.5", "ten", "0x10", "1 000"])
def test_env_int_refuses_what_is_not_a_whole_number(env, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}.*whole number"):
        env_int(VAR, 7)


def test_env_int_enforces_the_minimum(env):
    env("299")
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}=299: must be at least 300"):
        env_int(VAR, 3600, minimum=300)
    env("300")
    assert env_int(VAR, 3600, minimum=300) == 300


# ---------------------------------------------------------------- env_str and env_list


def test_env_str_and_env_list(env):
    env(None)
    assert env_str(VAR, "mặc định") == "mặc định"
    assert env_list(VAR, ["localhost"]) == ["localhost"]
    env(" motcua.example.test , ,127.0.0.1 ")
    assert env_list(VAR, []) == ["motcua.example.test", "127.0.0.1"]
    assert env_str(VAR, "x") == "motcua.example.test , ,127.0.0.1"


# ---------------------------------------------------------------- env_database_url


def test_env_database_url_reads_sqlite_with_the_concurrency_options(env, tmp_path):
    env(f"sqlite:///{tmp_path}/db.sqlite3", "DATABASE_URL")
    config = env_database_url("DATABASE_URL", "sqlite:///unused")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/db.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_env_database_url_reads_postgresql(env, scheme):
    env(f"{scheme}://motcua:mat-khau@db.example.test:5433/motcua", "DATABASE_URL")
    config = env_database_url("DATABASE_URL", "sqlite:///unused")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example.test", 5433, "motcua")
    assert (config["USER"], config["PASSWORD"]) == ("motcua", "mat-khau")


def test_env_database_url_unset_uses_the_default(env, tmp_path):
    env(None, "DATABASE_URL")
    config = env_database_url("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    assert config["NAME"] == f"{tmp_path}/x.sqlite3"


@pytest.mark.parametrize(
    "url",
    [
        "mysql://motcua@localhost/motcua",
        "sqlite://relative.sqlite3",
        "postgresq://localhost/motcua",
        "/var/lib/motcua.sqlite3",
        "postgresql://motcua@localhost:port/motcua",
    ],
)
def test_env_database_url_refuses_other_urls_naming_the_variable(env, url):
    env(url, "DATABASE_URL")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_database_url("DATABASE_URL", "sqlite:///unused")


@pytest.mark.parametrize(
    "url", ["mysql://motcua:Bi-Mat-42@db/motcua", "postgresql://motcua:Bi-Mat-42@db:port/x"]
)
def test_a_bad_database_url_does_not_print_its_password(env, url):
    env(url, "DATABASE_URL")
    with pytest.raises(ImproperlyConfigured) as raised:
        env_database_url("DATABASE_URL", "sqlite:///unused")
    assert "Bi-Mat-42" not in str(raised.value)


# ---------------------------------------------------------------- env_secret


def test_env_secret_reads_a_long_enough_key(env, tmp_path):
    env(GOOD_SECRET)
    assert env_secret(VAR, tmp_path / "secret_key") == GOOD_SECRET


def test_env_secret_refuses_a_short_key_naming_the_variable(env, tmp_path):
    env("s" * 31)
    with pytest.raises(ImproperlyConfigured, match=f"{VAR}.*at least 32"):
        env_secret(VAR, tmp_path / "secret_key")


def test_env_secret_falls_back_to_the_key_file(env, tmp_path):
    env(None)
    key_file = tmp_path / "secret_key"
    key_file.write_text(GOOD_SECRET + "\n", encoding="utf-8")
    assert env_secret(VAR, key_file) == GOOD_SECRET
    key_file.write_text("ngan", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="shorter than 32"):
        env_secret(VAR, key_file)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_env_secret_without_key_or_file_names_both(env, tmp_path, value):
    env(value)
    with pytest.raises(ImproperlyConfigured) as raised:
        env_secret(VAR, tmp_path / "secret_key")
    assert VAR in str(raised.value) and str(tmp_path / "secret_key") in str(raised.value)


# ---------------------------------------------------------------- starting Django


def manage_check(tmp_path: Path, **overrides: str | None) -> subprocess.CompletedProcess:
    """`manage.py check` in a fresh process with a clean, working configuration plus overrides."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    environ.pop("DATABASE_URL", None)
    environ.update(MOTCUA_SECRET_KEY=GOOD_SECRET, MOTCUA_VAR_DIR=str(tmp_path))
    for name, value in overrides.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_django_starts_with_a_good_configuration(tmp_path):
    result = manage_check(tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MOTCUA_DEBUG", "maybe", "MOTCUA_DEBUG='maybe'"),
        ("MOTCUA_SESSION_SECONDS", "12a", "MOTCUA_SESSION_SECONDS='12a'"),
        ("MOTCUA_SESSION_SECONDS", "60", "MOTCUA_SESSION_SECONDS=60: must be at least 300"),
        ("DATABASE_URL", "mysql://localhost/motcua", "DATABASE_URL="),
        ("MOTCUA_SECRET_KEY", "ngan-qua", "MOTCUA_SECRET_KEY"),
        ("MOTCUA_SECRET_KEY", None, "No secret key"),
    ],
    ids=["bool", "int", "minimum", "database", "short-secret", "no-secret"],
)
def test_django_refuses_to_start_with_a_bad_value(tmp_path, name, value, message):
    result = manage_check(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
