"""Shared test set-up: environment-dependent markers and the loud summary of what was skipped.

Tests that need PostgreSQL, Redis or Chromium carry a marker. They run when the thing is present
and are skipped otherwise, with a summary at the end; with MOTCUA_REQUIRE_ALL=1 (CI) such a skip
is a failure, so CI proves everything.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = os.environ.get("MOTCUA_REQUIRE_ALL") == "1"
# .ci/run runs the suite on SQLite, then on PostgreSQL: the SQLite leg leaves the
# PostgreSQL-only tests to the second leg, where skipping them is forbidden.
POSTGRES_LEG_FOLLOWS = os.environ.get("MOTCUA_POSTGRES_LEG_FOLLOWS") == "1"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
ENV_MARKERS = {
    "needs_postgres": "PostgreSQL (run with DATABASE_URL=postgresql://..., or make test-pg)",
    "needs_chromium": f"Chromium at {CHROMIUM} (apt install chromium)",
    "needs_redis": "Redis (redis-server)",
}
_skipped: list[tuple[str, str]] = []


def pytest_configure(config: pytest.Config) -> None:
    for name, what in ENV_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: needs {what}")


def _available(marker: str) -> bool:
    if marker == "needs_postgres":
        from django.db import connection

        return connection.vendor == "postgresql"
    if marker == "needs_chromium":
        return os.path.exists(CHROMIUM)
    if marker == "needs_redis":
        return shutil.which("redis-server") is not None
    return True


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ENV_MARKERS:
        if item.get_closest_marker(marker) and not _available(marker):
            reason = f"needs {ENV_MARKERS[marker]}"
            if marker == "needs_postgres" and POSTGRES_LEG_FOLLOWS:
                _skipped.append((item.nodeid, "deferred to the PostgreSQL leg of .ci/run"))
                pytest.skip("runs in the PostgreSQL leg of .ci/run")
            _skipped.append((item.nodeid, ("FORBIDDEN SKIP: " if REQUIRE_ALL else "") + reason))
            if REQUIRE_ALL:
                pytest.fail(f"MOTCUA_REQUIRE_ALL=1 forbids this skip: {reason}")
            pytest.skip(reason)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _skipped:
        return
    tr = terminalreporter
    tr.section(f"ENVIRONMENT-DEPENDENT TESTS NOT RUN HERE: {len(_skipped)}", sep="!", red=True)
    for nodeid, reason in _skipped:
        tr.write_line(f"  {nodeid}: {reason}")


# ---------------------------------------------------------------- personas for dossier tests


@pytest.fixture
def province(db):
    """A small province for dossier tests: a service centre, a department, another agency,
    officials for every role, a procedure (10 working days) with two mandatory components and
    a five-step internal process. Returns a namespace of everything."""
    from tests.personas import build_province

    return build_province()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache is per process and outlives each test's database, which is rolled back: on
    SQLite the next test reuses the same row ids, so a page cached under "latest event 12" by
    one test would be served to the next. Every test starts with empty caches (all of them:
    the tracking page has its own)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in this thread; the next test's fixtures
    would then name things in English (`gettext`). Every test starts in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """Pages render with the production static storage (hashed names from a manifest), so the
    files are collected once per run, as `make run` does."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, end sessions that threads or worker processes of the tests left open, so
    the test database can be dropped at the end of the run."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, signed in with the second factor the admin site requires."""
    from tests.signin import sign_in

    return sign_in(client, admin_user)
