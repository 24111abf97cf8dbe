"""config/permissions.py: a user's own and group permissions in one query, the same set Django reads in two."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.permissions import PermissionsBackend

pytestmark = pytest.mark.django_db


def _perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def _fresh(user):
    # A user object as a request loads it: nothing read yet.
    return get_user_model().objects.get(pk=user.pk)


def test_own_and_group_permissions_in_one_query_and_the_same_set_as_djangos():
    user = get_user_model().objects.create_user(username="auditrice", password="x-long-enough-1")
    user.user_permissions.add(_perm("audit_ledger"))
    moderators = Group.objects.create(name="moderators")
    moderators.permissions.add(_perm("change_group"), _perm("audit_ledger"))
    user.groups.add(moderators)
    Group.objects.create(name="others").permissions.add(_perm("delete_group"))  # not hers

    reader = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        found = PermissionsBackend().get_all_permissions(reader)
        assert reader.has_perm("ledger.audit_ledger")
        assert reader.has_perm("auth.change_group")
        assert not reader.has_perm("auth.delete_group")
    assert len(queries) == 1
    assert found == {"ledger.audit_ledger", "auth.change_group"}
    assert found == ModelBackend().get_all_permissions(_fresh(user))


def test_a_user_without_permissions_costs_one_query_and_django_reads_nothing_more():
    reader = _fresh(get_user_model().objects.create_user(username="camille", password="x-long-enough-1"))
    with CaptureQueriesContext(connection) as queries:
        assert not reader.has_perm("ledger.audit_ledger")
        assert not reader.has_perm("auth.change_group")
        assert not reader.has_module_perms("ledger")
    assert len(queries) == 1


def test_a_superuser_has_every_permission_and_an_inactive_user_none():
    boss = get_user_model().objects.create_superuser(username="boss", password="x-long-enough-1")
    assert PermissionsBackend().get_all_permissions(_fresh(boss)) == ModelBackend().get_all_permissions(_fresh(boss))
    assert len(PermissionsBackend().get_all_permissions(_fresh(boss))) == Permission.objects.count()

    gone = get_user_model().objects.create_user(username="gone", password="x-long-enough-1", is_active=False)
    gone.user_permissions.add(_perm("audit_ledger"))
    with CaptureQueriesContext(connection) as queries:
        assert PermissionsBackend().get_all_permissions(_fresh(gone)) == set()
        assert not _fresh(gone).has_perm("ledger.audit_ledger")
    assert len(queries) == 2  # the two _fresh reads; no permission read


def test_a_permission_taken_away_is_gone_on_the_next_request():
    user = get_user_model().objects.create_user(username="auditrice", password="x-long-enough-1")
    user.user_permissions.add(_perm("audit_ledger"))
    assert _fresh(user).has_perm("ledger.audit_ledger")
    user.user_permissions.remove(_perm("audit_ledger"))
    assert not _fresh(user).has_perm("ledger.audit_ledger")


def test_logins_and_sessions_are_still_djangos_backends(client):
    camille = get_user_model().objects.create_user(username="camille", password="x-long-enough-1")
    assert client.login(username="camille", password="x-long-enough-1")
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    client.logout()
    client.force_login(camille)  # through the first backend that loads a session's user
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    assert client.get("/me/profile/").status_code == 200
