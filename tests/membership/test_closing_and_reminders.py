"""Closing a member (only with empty accounts and no open hold, keeping its history) and the renewal
reminders (once per expiry)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from djmoney.money import Money

from ledger import services as ledger
from ledger.models import Account, Entry
from members.models import Member
from membership.errors import MemberNotEmpty
from membership.services import member_close, membership_reminders_send
from tests.conftest import account_of

pytestmark = pytest.mark.django_db


def test_closing_a_member_with_money_is_refused_and_closing_an_empty_one_keeps_its_history(make_member):
    member, other = make_member(), make_member()
    ledger.transfer_create(
        from_account=account_of(other, "HRS"),
        to_account=account_of(member, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    with pytest.raises(MemberNotEmpty):
        member_close(member=member, actor=None)
    assert Member.objects.get(pk=member.pk).status == Member.Status.ACTIVE
    ledger.transfer_create(
        from_account=account_of(member, "HRS"),
        to_account=account_of(other, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    member_close(member=member, actor=None)
    member.refresh_from_db()
    assert member.status == Member.Status.CLOSED
    assert {a.status for a in member.accounts.all()} == {Account.Status.CLOSED}
    assert Entry.objects.filter(account__holder=member).count() == 2


def test_closing_a_member_with_an_open_hold_is_refused(make_member):
    member, other = make_member(), make_member()
    ledger.hold_create(
        from_account=account_of(other, "HRS"),
        to_account=account_of(member, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    with pytest.raises(MemberNotEmpty):
        member_close(member=member, actor=None)


def test_renewal_reminders_go_out_once_per_expiry(make_member, settings, django_capture_on_commit_callbacks):
    settings.BOCAGE_MEMBERSHIP_REMINDER_DAYS = 30
    soon = make_member(username="soon")
    soon.user.email = "soon@example.org"
    soon.user.save()
    later = make_member(username="later")
    later.user.email = "later@example.org"
    later.user.save()
    ends_on = timezone.localdate() + datetime.timedelta(days=10)
    Member.objects.filter(pk=soon.pk).update(membership_expires_on=ends_on)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers once the claim commits
        assert membership_reminders_send() == 1
        assert membership_reminders_send() == 0
    assert [message.to for message in mail.outbox] == [["soon@example.org"]]
    assert "adhésion" in mail.outbox[0].body
    # The day in full, in French (the site's language: this member chose none; tests/membership/test_mail_language.py).
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]  # fmt: skip
    written = f"{ends_on.day} {months[ends_on.month - 1]} {ends_on.year}"
    assert written in mail.outbox[0].subject and written in mail.outbox[0].body
    assert ends_on.isoformat() not in mail.outbox[0].body
