"""The membership's mails to a member speak the member's language (Member.mail_language: their
choice, else the site's French): the renewal reminder and the decision on an application."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.models import OutboundEmail
from members.models import Member
from membership.models import Application
from membership.services import membership_reminders_send
from membership.signup import application_approve, application_refuse

pytestmark = pytest.mark.django_db


def member_speaking(make_member, username: str, language: str) -> Member:
    member = make_member(username=username, email=f"{username}@example.org")
    Member.objects.filter(pk=member.pk).update(language=language)
    member.refresh_from_db()
    return member


def test_the_renewal_reminder_is_in_each_member_s_language(make_member, settings):
    settings.BOCAGE_MEMBERSHIP_REMINDER_DAYS = 30
    english = member_speaking(make_member, "june", "en")
    french = member_speaking(make_member, "jeanne", "")
    ends_on = timezone.localdate() + datetime.timedelta(days=10)
    Member.objects.filter(pk__in=[english.pk, french.pk]).update(membership_expires_on=ends_on)

    assert membership_reminders_send() == 2

    mails = {mail.to[0]: mail for mail in OutboundEmail.objects.all()}
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]  # fmt: skip
    english_day = f"{ends_on.day} {months[ends_on.month - 1]} {ends_on.year}"
    assert mails["june@example.org"].subject == f"Your Bocage membership ends on {english_day}"
    assert mails["june@example.org"].body.startswith("Hello ")
    assert mails["jeanne@example.org"].subject.startswith("Votre adhésion à Bocage")
    assert mails["jeanne@example.org"].body.startswith("Bonjour ")


def test_the_decision_on_an_application_is_in_the_applicant_s_language(make_member, staff_user):
    english = member_speaking(make_member, "june", "en")
    french = member_speaking(make_member, "jeanne", "")

    application_approve(application=Application.objects.create(member=english), actor=staff_user)
    application_refuse(application=Application.objects.create(member=french), actor=staff_user, reason="Hors zone")

    mails = {mail.to[0]: mail for mail in OutboundEmail.objects.all()}
    assert mails["june@example.org"].subject == "Your application to Bocage is accepted"
    assert mails["jeanne@example.org"].subject == "Votre demande d’adhésion à Bocage est refusée"
    assert "Hors zone" in mails["jeanne@example.org"].body
