import datetime

import pytest
from django.test import Client
from django.utils import timezone

from members.models import Member
from tests.conftest import account_of
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def _client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_the_dashboard_warns_when_the_membership_has_expired(make_member):
    member = make_member()
    assert "Adhésion valable jusqu’au" in _client_for(member).get("/").content.decode()
    Member.objects.filter(pk=member.pk).update(membership_expires_on=timezone.localdate() - datetime.timedelta(days=1))
    assert "Votre adhésion a expiré" in _client_for(member).get("/").content.decode()


def test_a_member_renews_from_the_membership_page_and_pays_in_ach(make_member):
    member = make_member()
    give_ach(member, "12")
    expiry = member.membership_expires_on
    response = _client_for(member).post("/membership/", follow=True)
    assert response.status_code == 200
    assert "Merci\u00a0!" in response.content.decode()
    member.refresh_from_db()
    assert member.membership_expires_on == expiry.replace(year=expiry.year + 1)
    assert account_of(member, "ACH").balance == 200


def test_renewing_without_funds_shows_the_reason_and_changes_nothing(make_member):
    member = make_member()
    expiry = member.membership_expires_on
    response = _client_for(member).post("/membership/", follow=True)
    assert "Disponible insuffisant" in response.content.decode()
    member.refresh_from_db()
    assert member.membership_expires_on == expiry
