"""Shared fixtures: data is set up through services, as a user would reach it."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from ledger.models import Account
from members.models import Member
from members.services import member_create

PASSWORD = "bocage-test-password-1"
_counter = itertools.count(1)


def requires_postgresql() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgres://…): triggers, row locks and real concurrency "
        "mean nothing on SQLite",
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Members are users: the default hasher would spend most of the suite's time hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_member(db) -> Callable[..., Member]:
    def make(kind: str = Member.Kind.INDIVIDUAL, username: str | None = None, **extra) -> Member:
        username = username or f"member{next(_counter)}"
        return member_create(
            actor=None,
            username=username,
            password=PASSWORD,
            display_name=extra.pop("display_name", username.capitalize()),
            kind=kind,
            **extra,
        )

    return make


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(username="staff", password=PASSWORD, is_staff=True)


def account_of(member: Member, unit: str) -> Account:
    return Account.objects.get(kind=Account.Kind.MEMBER, holder=member, unit=unit)


def api_client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client
