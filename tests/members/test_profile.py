"""The member's profile (/me/profile/): details, language, public choices, the IBAN and its alert."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.models import AuditEvent, Notification, OutboundEmail
from members.models import Commune, Member
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/me/profile/"
IBAN = "FR1420041010050500013M02606"
OTHER_IBAN = "FR7630006000011234567890189"


def profile_post(member: Member, **changes) -> dict:
    """The profile form as the page shows it for `member`, with `changes`."""
    data = {
        "action": "profile",
        "display_name": member.display_name,
        "address": member.address,
        "phone": member.phone,
        "commune": member.commune_id or "",
        "language": member.language,
    }
    if member.kind != Member.Kind.INDIVIDUAL:
        data.update({"activity": member.activity, "description": member.description, "website": member.website})
        data.update({"opening_hours": member.opening_hours})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_the_new_choices_are_private_by_default(make_member):
    alice = make_member(username="alice")

    assert (alice.language, alice.mail_language, alice.show_name_as_backer) == ("", "fr", False)
    assert (alice.directory_shows_address, alice.directory_shows_phone, alice.iban_changed_at) == (False, False, None)


def test_a_member_edits_their_profile_and_the_audit_names_the_fields_not_the_values(client, make_member):
    alice = make_member(username="alice")
    commune = Commune.objects.get(name="Martinet")
    client.force_login(alice.user)

    response = client.post(
        PAGE,
        profile_post(alice, display_name="Alice Martin", address="3 rue des Lilas", phone="0601020304")
        | {"commune": commune.pk, "show_name_as_backer": "on"},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.address, alice.phone, alice.commune) == (
        "Alice Martin",
        "3 rue des Lilas",
        "0601020304",
        commune,
    )
    assert alice.show_name_as_backer is True
    event = AuditEvent.objects.get(action="member_profile_update")
    assert (event.actor, event.object_id) == (alice.user, str(alice.pk))
    assert event.details == {"fields": ["address", "commune", "display_name", "phone", "show_name_as_backer"]}
    assert "rue des Lilas" not in str(event.details)


def test_an_individual_has_no_directory_entry_fields(client, make_member):
    alice = make_member(username="alice")
    client.force_login(alice.user)

    page = client.get(PAGE).content.decode()

    assert 'name="display_name"' in page and 'name="show_name_as_backer"' in page
    assert 'name="opening_hours"' not in page and 'name="iban"' not in page
    # Posting them anyway changes nothing of the sort.
    client.post(PAGE, profile_post(alice, opening_hours="7 h–19 h", in_directory="on"))
    alice.refresh_from_db()
    assert (alice.opening_hours, alice.in_directory) == ("", False)


def test_a_business_edits_its_directory_entry(client, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery")
    client.force_login(bakery.user)

    response = client.post(
        PAGE,
        profile_post(bakery, activity="Boulangerie", opening_hours="mar.–sam. 7 h–19 h")
        | {"in_directory": "on", "directory_shows_phone": "on"},
    )

    assert response.status_code == 302
    bakery.refresh_from_db()
    assert (bakery.activity, bakery.opening_hours) == ("Boulangerie", "mar.–sam. 7 h–19 h")
    assert (bakery.in_directory, bakery.directory_shows_phone, bakery.directory_shows_address) == (True, True, False)


def test_a_refused_profile_writes_nothing(client, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery")
    client.force_login(bakery.user)

    response = client.post(PAGE, profile_post(bakery, display_name="", website="not a site", address="Ailleurs"))

    assert response.status_code == 400
    assert 'id="id_display_name_error"' in response.content.decode()
    bakery.refresh_from_db()
    assert (bakery.display_name, bakery.address) == ("Bakery", "")
    assert not AuditEvent.objects.filter(action="member_profile_update").exists()


def test_changing_the_language_applies_it_at_once_and_at_each_login(client, make_member, settings):
    alice = make_member(username="alice")
    client.force_login(alice.user)

    response = client.post(PAGE, profile_post(alice, language="en"))

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    alice.refresh_from_db()
    assert alice.language == "en"
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    client.logout()

    login = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert login.status_code == 302
    assert login.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "My profile" in client.get(PAGE).content.decode()


def test_a_member_who_never_chose_keeps_the_browsers_language_at_login(client, make_member, settings):
    make_member(username="alice")

    login = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")

    assert login.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in login.cookies
    assert "My profile" in client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_going_back_to_the_browsers_language_forgets_the_cookie(client, make_member, settings):
    alice = make_member(username="alice")
    Member.objects.filter(pk=alice.pk).update(language="en")
    alice.refresh_from_db()
    client.force_login(alice.user)

    response = client.post(PAGE, profile_post(alice, language=""))

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    alice.refresh_from_db()
    assert alice.language == ""


def test_an_unknown_language_is_refused(client, make_member):
    alice = make_member(username="alice")
    client.force_login(alice.user)

    response = client.post(PAGE, profile_post(alice, language="de"))

    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.language == ""


def test_staff_without_a_member_get_a_page_saying_so(client, staff_user):
    client.force_login(staff_user)

    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Your account is not a member" in response.content.decode()
    assert client.post(PAGE, {"action": "profile", "display_name": "x"}).status_code == 200


def test_the_profile_is_in_the_members_menu_and_linked_from_the_security_page(client, make_member):
    alice = make_member(username="alice")
    client.force_login(alice.user)

    assert 'href="/me/profile/"' in client.get("/security/").content.decode()
    assert 'href="/me/profile/"' in client.get("/").content.decode()


# --- the IBAN --------------------------------------------------------------------------------


def test_a_business_changes_its_iban_audited_masked_alerted_and_mailed(client, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery", email="pain@example.org")
    Member.objects.filter(pk=bakery.pk).update(iban=IBAN, bic="AGRIFRPP")
    client.force_login(bakery.user)
    before = timezone.now()

    response = client.post(PAGE, {"action": "iban", "iban": "fr76 3000 6000 0112 3456 7890 189", "bic": "psstfrppxxx"})

    assert response.status_code == 302
    bakery.refresh_from_db()
    assert (bakery.iban, bakery.bic) == (OTHER_IBAN, "PSSTFRPPXXX")
    assert bakery.iban_changed_at >= before
    event = AuditEvent.objects.get(action="member_iban_change")
    assert event.details == {"old": "…2606", "new": "…0189"}
    assert IBAN not in str(event.details) and OTHER_IBAN not in str(event.details)
    notification = Notification.objects.get(recipient=bakery.user)
    assert (notification.kind, notification.params["iban"]) == ("iban_changed", "…0189")
    mail = OutboundEmail.objects.get(to=["pain@example.org"])
    assert mail.subject == "Bocage\u00a0: votre IBAN a été modifié"
    assert "0189" in mail.body and OTHER_IBAN not in mail.body


def test_an_invalid_iban_is_refused_and_nothing_is_written(client, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery", email="pain@example.org")
    Member.objects.filter(pk=bakery.pk).update(iban=IBAN)
    client.force_login(bakery.user)

    response = client.post(PAGE, {"action": "iban", "iban": "FR7630006000011234567890188", "bic": ""})

    assert response.status_code == 400
    assert "IBAN" in response.content.decode()
    bakery.refresh_from_db()
    assert (bakery.iban, bakery.iban_changed_at) == (IBAN, None)
    assert not AuditEvent.objects.filter(action="member_iban_change").exists()
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()


def test_an_individual_cannot_change_an_iban_from_the_profile(client, make_member):
    alice = make_member(username="alice")
    client.force_login(alice.user)

    response = client.post(PAGE, {"action": "iban", "iban": OTHER_IBAN, "bic": ""})

    assert response.status_code == 400
    alice.refresh_from_db()
    assert (alice.iban, alice.iban_changed_at) == ("", None)


def test_the_same_iban_again_changes_nothing(client, make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery")
    changed = timezone.now() - datetime.timedelta(days=30)
    Member.objects.filter(pk=bakery.pk).update(iban=IBAN, bic="AGRIFRPP", iban_changed_at=changed)
    client.force_login(bakery.user)

    assert client.post(PAGE, {"action": "iban", "iban": IBAN, "bic": "AGRIFRPP"}).status_code == 302

    bakery.refresh_from_db()
    assert bakery.iban_changed_at == changed
    assert not AuditEvent.objects.filter(action="member_iban_change").exists()


def test_the_iban_alert_is_mailed_even_to_a_member_who_turned_mails_off(client, make_member):
    from core import notifications

    bakery = make_member(kind=Member.Kind.BUSINESS, username="bakery", email="pain@example.org")
    notifications.email_choices_set(bakery.user, {"iban_changed": False})
    client.force_login(bakery.user)

    assert "iban_changed" not in client.get("/notifications/preferences/").content.decode()
    client.post(PAGE, {"action": "iban", "iban": OTHER_IBAN, "bic": ""})

    assert OutboundEmail.objects.filter(to=["pain@example.org"]).count() == 1
