"""Shared fixtures: data is set up through services, as a user would reach it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.backends.signals import connection_created
from django.utils import translation
from rest_framework.test import APIClient

from members.models import Member
from tests.factories import PASSWORD, MemberFactory
from tests.factories import account_of as account_of  # the tests import it from here


def requires_postgresql() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgres://…): triggers, row locks and real concurrency "
        "mean nothing on SQLite",
    )


def _let_the_test_flush_truncate_the_ledger() -> None:
    """The test suite's flush, and only it, may TRUNCATE the append-only tables on PostgreSQL.

    ledger/migrations/0010_refuse_truncate.py refuses TRUNCATE unless the session sets
    bocage.allow_truncate in a database named test_…: the flush that ends each transactional test
    sets it for its own transaction (SET LOCAL), so every other statement of the tests, like
    every connection of a deployment, is still refused.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def test_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL bocage.allow_truncate = 'on'", *statements] if statements else statements

    DatabaseOperations.sql_flush = test_flush  # type: ignore[method-assign]


_let_the_test_flush_truncate_the_ledger()


def _commit_without_waiting_for_the_disk(sender, connection, **kwargs) -> None:
    """The test databases are thrown away: their commits need not wait for the disk.

    A commit on SQLite fsyncs its journal and the database (about 5 to 20 ms apiece, and the
    transactional tests, the live servers and each test's flush commit thousands of times); on
    PostgreSQL it waits for the WAL flush. Neither changes what another connection sees, nor when:
    only what a crash of the machine would keep. Connections of this test process only (not the
    subprocesses of the embedded-run and worker tests, which run as deployed).
    """
    # On the driver's own connection: not a query of the test's (no assertNumQueries counts it).
    if connection.vendor == "sqlite":
        connection.connection.execute("PRAGMA synchronous = OFF")
    elif connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


connection_created.connect(_commit_without_waiting_for_the_disk, dispatch_uid="tests-unsynced-commits")


# Reference data the migrations load (communes, marketplace categories). A transactional test
# (transaction=True, live_server) flushes every table when it ends, so the tests after it would
# find them gone: put them back, the same way the migrations do, before each database test.
REFERENCE_DATA = [
    ("members.migrations.0003_communes_of_the_pays_des_achards", "add_communes"),
    ("members.migrations.0004_commune_insee_code", "add_insee_codes"),
    ("exchange.migrations.0002_categories", "add_categories"),
    ("membership.migrations.0004_signup", "seed_documents"),
]
_DB_FIXTURES = {"db", "transactional_db", "live_server", "make_member", "staff_user", "django_user_model"}


@pytest.fixture(autouse=True)
def reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & _DB_FIXTURES:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture(autouse=True)
def default_language():
    # LocaleMiddleware activates a request's language in the thread and nothing deactivates it:
    # a test that called a page in English must not leave the next test's services in English.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Members are users: the default hasher would spend most of the suite's time hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    # API throttle counters live in the cache, keyed by user id: ids come back after each
    # test's rollback, so one test's requests must not count against the next one's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_member(db) -> Callable[..., Member]:
    def make(kind: str = Member.Kind.INDIVIDUAL, username: str | None = None, **extra) -> Member:
        if username is not None:
            extra["username"] = username
        return MemberFactory(kind=kind, **extra)

    return make


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(username="staff", password=PASSWORD, is_staff=True)


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def worker_seen(db) -> None:
    """A worker stamped its heartbeat just now: /readyz and the admin pages see background work running."""
    from core.heartbeat import worker_heartbeat_record

    worker_heartbeat_record(hostname="test-worker@localhost", actor=None)
