"""seed_demo outside the embedded demo (DEBUG off): refused unless asked, and never a known password."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from demo.management.commands.seed_demo import ADMIN_PASSWORD, DEMO_PASSWORD
from members.models import Member

pytestmark = pytest.mark.django_db


def seed(*arguments: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *arguments, stdout=out)
    return out.getvalue()


def test_with_debug_off_seed_demo_refuses_and_writes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production") as refused:
        seed()
    assert "DEBUG is off" in str(refused.value)
    assert (get_user_model().objects.count(), Member.objects.count()) == (0, 0)


def test_allowed_with_debug_off_no_login_has_a_known_password_and_the_admin_gets_one_shown_once(settings):
    settings.DEBUG = False
    printed = seed("--allow-production")
    users = get_user_model().objects.all()
    assert users.count() == 44
    assert DEMO_PASSWORD not in printed and ADMIN_PASSWORD not in printed
    for username, password in [("admin", ADMIN_PASSWORD), ("camille", DEMO_PASSWORD), ("comptoir1", DEMO_PASSWORD)]:
        assert authenticate(username=username, password=password) is None, username
    assert sorted(user.username for user in users if user.has_usable_password()) == ["admin"]
    shown = re.search(r"Administrator: admin / (\S+)", printed)
    assert shown is not None and len(shown.group(1)) >= 20
    assert authenticate(username="admin", password=shown.group(1)) is not None
    assert "Administrator: admin" not in seed("--allow-production")  # shown once, never again


def test_a_demo_first_seeded_with_debug_on_loses_its_readme_passwords_when_seeded_with_debug_off(settings):
    settings.DEBUG = True
    seed()
    assert authenticate(username="admin", password=ADMIN_PASSWORD) is not None
    settings.DEBUG = False
    seed("--allow-production")
    assert authenticate(username="admin", password=ADMIN_PASSWORD) is None
    assert authenticate(username="auditrice", password=DEMO_PASSWORD) is None
    assert [user.username for user in get_user_model().objects.all() if user.has_usable_password()] == []
