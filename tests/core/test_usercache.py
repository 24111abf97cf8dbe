"""core.usercache: the shell's per-user facts are kept, and forgotten at once when they change for a
reason the platform sees (the user's own write, a notification, a role, a device); a cache that
fails costs queries, never the page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import usercache
from core.inbox import inbox_of
from core.models import Notification
from core.notifications import Notice, notify, notify_many
from currency.models import Comptoir
from exchange.models import Exchange
from tests.core.test_inbox import busy_member  # noqa: F401 - the fixture
from tests.exchange.test_exchange_support import listing_of, propose
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def browse(user) -> Client:
    client = Client(headers={"accept-language": "fr"})
    assert client.login(username=user.username, password=PASSWORD)
    return client


def inbox_total(client: Client) -> dict[str, int]:
    response = client.get("/")
    assert response.status_code == 200
    return dict(response.context["inbox"].counts)


def unread(client: Client) -> int:
    response = client.get("/me/passes/")
    assert response.status_code == 200
    return int(str(response.context["notifications_unread"]))


def test_the_inbox_is_kept_between_pages_and_forgotten_when_the_user_writes(busy_member):  # noqa: F811
    client = browse(busy_member.user)
    assert inbox_total(client) == {"exchanges": 2, "timebank": 1}
    # Someone's exchange changes behind the page's back, telling nobody: the badge is kept...
    Exchange.objects.filter(seller=busy_member).update(status=Exchange.Status.CANCELLED)
    assert inbox_of(busy_member.user).counts == {"timebank": 1}
    assert inbox_total(client) == {"exchanges": 2, "timebank": 1}
    # ...until the user writes anything (here: choosing a language), then it is read afresh.
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    assert inbox_total(client) == {"timebank": 1}


def test_a_notification_forgets_what_its_recipient_was_shown(busy_member, make_member):  # noqa: F811
    client = browse(busy_member.user)
    before = inbox_total(client)
    assert unread(client) == Notification.objects.filter(recipient=busy_member.user, read_at=None).count()
    shown = unread(client)
    # A new proposal notifies the seller: both the badge and the bell change on the next page.
    propose(listing_of(busy_member, unit="GRN", price=100), make_member(username="c"))
    assert inbox_total(client)["exchanges"] == before["exchanges"] + 1
    assert unread(client) == shown + 1
    notify(busy_member.user, "exchange_proposed", {"who": "y", "title": "x", "amount": "1"}, url="/exchanges/")
    assert unread(client) == shown + 2
    notify_many("exchange_proposed", [Notice(user=busy_member.user, params={"who": "z", "title": "x", "amount": "1"})])
    assert unread(client) == shown + 3
    # Reading them all (a POST) empties the bell at once.
    assert client.post("/notifications/read/").status_code in (200, 302)
    assert unread(client) == 0


def test_the_menu_follows_a_new_clerk_and_manager_at_once(make_member):
    member = make_member(username="ines")
    client = browse(member.user)
    assert "comptoir" not in re.findall(r'data-nav="([\w-]+)"', client.get("/").content.decode())
    Comptoir.objects.create(name="Comptoir du Cowork").staff.add(member.user)
    assert "comptoir" in re.findall(r'data-nav="([\w-]+)"', client.get("/").content.decode())
    Comptoir.objects.get().staff.remove(member.user)
    assert "comptoir" not in re.findall(r'data-nav="([\w-]+)"', client.get("/").content.decode())


def test_a_second_factor_enrolled_elsewhere_is_asked_at_once(make_member):
    member = make_member(username="julie")
    client = browse(member.user)
    assert client.get("/").status_code == 200  # no device: no code asked
    TOTPDevice.objects.create(user=member.user, name="authenticator", confirmed=True)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/security/verify/")


def test_a_role_that_requires_a_second_factor_applies_at_once(make_member, settings):
    settings.BOCAGE_OTP_REQUIRED = True
    member = make_member(username="aude")
    client = browse(member.user)
    assert client.get("/").status_code == 200
    member.user.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/security/")


def test_a_failing_cache_costs_queries_never_the_page(busy_member, monkeypatch):  # noqa: F811
    client = browse(busy_member.user)

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "set", "delete_many"):
        monkeypatch.setattr(cache, name, broken)
    assert inbox_total(client) == {"exchanges": 2, "timebank": 1}
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302


def test_kept_facts_spare_the_shell_its_queries_and_zero_seconds_keeps_nothing(busy_member, settings):  # noqa: F811
    client = browse(busy_member.user)
    client.get("/")
    with CaptureQueriesContext(connection) as warm:
        client.get("/")
    settings.BOCAGE_USER_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as cold:
        client.get("/")
    # The inbox's providers, the bell, the menu's roles and the second-factor check come back.
    assert len(cold.captured_queries) >= len(warm.captured_queries) + 6
    Exchange.objects.filter(seller=busy_member).update(status=Exchange.Status.CANCELLED)
    assert inbox_total(client) == {"timebank": 1}  # nothing kept: read afresh


def test_an_undeclared_fact_is_refused():
    with pytest.raises(ValueError, match="undeclared"):
        usercache.cached(1, "nobody-declared-this", lambda: 1)


def test_a_page_reads_its_members_row_once(busy_member):  # noqa: F811
    client = browse(busy_member.user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/campaigns/").status_code == 200
    member_reads = [
        q for q in queries.captured_queries if 'FROM "members_member" WHERE' in q["sql"] and '"user_id" =' in q["sql"]
    ]
    assert len(member_reads) <= 1
