"""Second factor (django-otp): enrolment, verification with real TOTP codes, backup codes, who is
asked (staff and auditors when BOCAGE_OTP_REQUIRED is on, anyone who enrolled), the API token, and
the audit trail. Codes are computed here from the device's key, as an authenticator app would."""

from __future__ import annotations

from binascii import unhexlify

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission, User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from rest_framework.test import APIClient

from core.errors import InvalidInput
from core.models import AuditEvent
from ledger import selectors as ledger_selectors
from members.models import ApiToken
from members.otp import AUDIT_PERMISSION, PENDING_KEY_SESSION_KEY, second_factor_enrol
from members.tokens import key_digest
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/security/verify/"
ENROL = "/security/enrol/"
CODES = "/security/backup-codes/"
SECURITY = "/security/"
TOKEN = "/api/auth/token/"


def code_for(key: str, ahead: int = 0) -> str:
    """The code an authenticator app shows for `key`, `ahead` steps of 30 s from now."""
    return f"{totp(unhexlify(key), drift=ahead):06d}"


def enrol(user: User) -> str:
    """Enrol `user` through the service, as the enrolment page does; returns the app's key.

    The confirming code's step is spent: the next code accepted is at least one step later.
    """
    key = random_hex(20)
    second_factor_enrol(user=user, key=key, code=code_for(key), actor=user)
    return key


def log_in(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    return client


def otp_events(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk), action__startswith="otp_")
        .order_by("id")
        .values_list("action", flat=True)
    )


@pytest.fixture
def otp_on(settings):
    settings.BOCAGE_OTP_REQUIRED = True
    # A wrong code followed at once by the right one: no throttling delay between them here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def auditor(django_user_model) -> User:
    user = django_user_model.objects.create_user(username="auditrice", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="audit_ledger"))
    return user


@pytest.fixture
def member_user(make_member) -> User:
    return make_member(username="camille").user


# --- Enrolment ----------------------------------------------------------------------------------


def test_a_member_enrols_an_app_confirms_a_code_and_sees_ten_backup_codes_once(member_user):
    client = log_in(member_user)
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    key = client.session[PENDING_KEY_SESSION_KEY]

    response = client.post(ENROL, {"code": code_for(key), "next": "/membership/"})

    assert response.status_code == 302
    assert response["Location"] == f"{CODES}?next=%2Fmembership%2F"
    device = TOTPDevice.objects.get(user=member_user)
    assert device.confirmed and device.key == key
    backup = StaticDevice.objects.get(user=member_user)
    stored = set(StaticToken.objects.filter(device=backup).values_list("token", flat=True))
    assert len(stored) == 10
    shown = client.get(f"{CODES}?next=/membership/")
    assert shown.status_code == 200
    assert all(code in shown.content.decode() for code in stored)
    assert client.get(CODES).status_code == 302  # shown once
    assert otp_events(member_user) == ["otp_device_add"]
    assert AuditEvent.objects.get(action="otp_device_add").actor == member_user
    # The enrolling session is verified: the member goes on without being asked again.
    assert client.get("/membership/").status_code == 200
    assert PENDING_KEY_SESSION_KEY not in client.session


def test_a_wrong_code_at_enrolment_is_refused_and_writes_nothing(member_user):
    client = log_in(member_user)
    client.get(ENROL)
    key = client.session[PENDING_KEY_SESSION_KEY]
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"code": wrong})

    assert response.status_code == 200
    assert "This code is wrong or has already been used." in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert otp_events(member_user) == []
    assert client.session[PENDING_KEY_SESSION_KEY] == key  # the same QR code still works


def test_an_account_with_a_second_factor_cannot_enrol_another_over_it(member_user):
    enrol(member_user)
    client = log_in(member_user)

    # Unverified: the middleware sends the enrolment page to verification, never a new QR code.
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    other_key = random_hex(20)
    with pytest.raises(InvalidInput, match="already set up"):
        second_factor_enrol(user=member_user, key=other_key, code=code_for(other_key), actor=member_user)
    assert TOTPDevice.objects.filter(user=member_user).count() == 1


# --- Who is asked ---------------------------------------------------------------------------------


def test_staff_verifies_a_real_totp_code_before_reaching_any_page_including_the_admin(staff_user, otp_on):
    key = enrol(staff_user)
    client = log_in(staff_user)

    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.get("/membership/")["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": code_for(key, ahead=1), "next": "/admin/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_counts_as_a_failed_login_and_verifies_nothing(staff_user, otp_on):
    key = enrol(staff_user)
    client = log_in(staff_user)
    wrong = f"{(int(code_for(key, ahead=1)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"code": wrong, "next": "/admin/"})

    assert response.status_code == 200
    assert "This code is wrong or has already been used." in response.content.decode()
    assert client.get("/admin/").status_code == 302
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 1
    device = TOTPDevice.objects.get(user=staff_user)
    assert device.throttling_failure_count == 1
    assert otp_events(staff_user) == ["otp_device_add"]
    # The right code still works afterwards.
    assert client.post(VERIFY, {"code": code_for(key, ahead=1)})["Location"] == "/"


def test_five_wrong_codes_lock_the_account_out_like_five_wrong_passwords(staff_user, otp_on, settings):
    settings.AXES_FAILURE_LIMIT = 5
    key = enrol(staff_user)
    client = log_in(staff_user)
    for _attempt in range(4):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 200
    fifth = client.post(VERIFY, {"code": "000000"})

    assert fifth.status_code == 429
    assert SESSION_KEY not in client.session  # logged out: the password is needed again
    again = Client().post(LOGIN, {"username": "staff", "password": PASSWORD})
    assert again.status_code == 429
    assert code_for(key)  # the app itself is untouched
    assert TOTPDevice.objects.filter(user=staff_user, confirmed=True).count() == 1


def test_a_backup_code_works_once(staff_user, otp_on):
    enrol(staff_user)
    backup_code = StaticToken.objects.filter(device__user=staff_user).order_by("id").first().token
    first = log_in(staff_user)

    assert first.post(VERIFY, {"code": backup_code.upper()})["Location"] == "/"
    assert first.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=staff_user).count() == 9

    second = log_in(staff_user)
    refused = second.post(VERIFY, {"code": backup_code})
    assert refused.status_code == 200
    assert second.get("/admin/").status_code == 302
    assert StaticToken.objects.filter(device__user=staff_user).count() == 9


def test_staff_without_a_device_is_sent_to_enrolment_and_the_session_api_answers_403(staff_user, otp_on):
    client = log_in(staff_user)

    assert client.get("/admin/")["Location"] == f"{ENROL}?next=%2Fadmin%2F"
    api = client.get("/api/accounts/")
    assert api.status_code == 403
    assert api.json()["code"] == "otp_required"
    # The way out stays open: the login, logout and language pages, and the enrolment page itself.
    assert client.get(ENROL).status_code == 200
    assert client.get(LOGIN).status_code == 200


def test_an_auditor_is_asked_too_and_reads_the_audit_pages_once_verified(auditor, otp_on):
    key = enrol(auditor)
    client = log_in(auditor)

    assert client.get("/audit/")["Location"] == f"{VERIFY}?next=%2Faudit%2F"
    assert client.get("/api/accounts/").json()["code"] == "otp_required"
    client.post(VERIFY, {"code": code_for(key, ahead=1)})

    assert client.get("/audit/").status_code == 200
    assert client.get("/api/accounts/").status_code == 200


def test_a_member_is_not_asked_when_the_requirement_is_on(member_user, otp_on):
    client = log_in(member_user)

    assert client.get("/membership/").status_code == 200
    assert client.get("/api/accounts/").status_code == 200


def test_with_the_setting_off_staff_and_auditors_are_asked_nothing(staff_user, auditor, settings):
    settings.BOCAGE_OTP_REQUIRED = False

    assert log_in(staff_user).get("/admin/").status_code == 200
    auditor_client = log_in(auditor)
    assert auditor_client.get("/audit/").status_code == 200
    assert auditor_client.get("/api/accounts/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_member_who_enrolled_is_asked_even_with_the_setting_off(member_user, settings):
    settings.BOCAGE_OTP_REQUIRED = False
    key = enrol(member_user)
    client = log_in(member_user)

    assert client.get("/membership/")["Location"] == f"{VERIFY}?next=%2Fmembership%2F"
    client.post(VERIFY, {"code": code_for(key, ahead=1)})
    assert client.get("/membership/").status_code == 200


def test_verification_never_redirects_off_the_site(member_user):
    key = enrol(member_user)
    client = log_in(member_user)

    response = client.post(VERIFY, {"code": code_for(key, ahead=1), "next": "https://evil.example/"})

    assert response["Location"] == "/"


# --- API token ------------------------------------------------------------------------------------


def test_the_api_token_of_staff_needs_the_otp_token_and_a_wrong_one_counts_as_a_failure(staff_user, otp_on):
    key = enrol(staff_user)
    api = APIClient()

    missing = api.post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert missing.status_code == 401
    assert missing.json()["code"] == "otp_required"
    assert "otp_token" in missing.json()["fields"]

    wrong = api.post(TOKEN, {"username": "staff", "password": PASSWORD, "otp_token": "000000"}, format="json")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "otp_invalid"
    assert not ApiToken.objects.exists()
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 1

    right = api.post(
        TOKEN, {"username": "staff", "password": PASSWORD, "otp_token": code_for(key, ahead=1)}, format="json"
    )
    assert right.status_code == 200
    assert ApiToken.objects.get(user=staff_user).digest == key_digest(right.json()["token"])


def test_the_api_token_locks_out_after_five_wrong_codes(staff_user, otp_on, settings):
    settings.AXES_FAILURE_LIMIT = 5
    key = enrol(staff_user)
    api = APIClient()
    body = {"username": "staff", "password": PASSWORD, "otp_token": "000000"}
    for _attempt in range(4):
        assert api.post(TOKEN, body, format="json").status_code == 401
    assert api.post(TOKEN, body, format="json").json()["code"] == "locked_out"

    right = api.post(TOKEN, {**body, "otp_token": code_for(key, ahead=1)}, format="json")

    assert right.status_code == 429
    assert not ApiToken.objects.exists()


def test_a_wrong_password_is_refused_before_any_code_is_asked(staff_user, otp_on):
    enrol(staff_user)

    response = APIClient().post(TOKEN, {"username": "staff", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_member_gets_a_token_without_otp_token_and_the_setting_off_asks_staff_nothing(
    member_user, staff_user, settings
):
    settings.BOCAGE_OTP_REQUIRED = True
    assert APIClient().post(TOKEN, {"username": "camille", "password": PASSWORD}, format="json").status_code == 200
    settings.BOCAGE_OTP_REQUIRED = False
    assert APIClient().post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json").status_code == 200


def test_a_backup_code_gets_an_api_token_once(member_user):
    enrol(member_user)
    backup_code = StaticToken.objects.filter(device__user=member_user).first().token
    body = {"username": "camille", "password": PASSWORD, "otp_token": backup_code}

    assert APIClient().post(TOKEN, body, format="json").status_code == 200
    assert APIClient().post(TOKEN, body, format="json").json()["code"] == "otp_invalid"


# --- Security page: renew and remove --------------------------------------------------------------


def test_renewing_backup_codes_replaces_them_all_and_is_audited(member_user):
    enrol(member_user)
    old = set(StaticToken.objects.values_list("token", flat=True))
    client = Client()
    client.force_login(member_user)
    client.post(VERIFY, {"code": old.copy().pop()})

    response = client.post(SECURITY, {"action": "renew"})

    assert response["Location"] == CODES
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new) == 10 and not new & old
    assert otp_events(member_user) == ["otp_device_add", "otp_backup_codes_renew"]


def test_a_member_removes_the_second_factor_with_a_current_code_and_it_is_audited(member_user, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # the right code just after a wrong one
    key = enrol(member_user)
    client = log_in(member_user)
    client.post(VERIFY, {"code": code_for(key, ahead=1)})

    refused = client.post(SECURITY, {"action": "remove", "code": "12345678"})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(user=member_user).count() == 1
    assert otp_events(member_user) == ["otp_device_add"]

    spare = StaticToken.objects.filter(device__user=member_user).first().token
    removed = client.post(SECURITY, {"action": "remove", "code": spare})

    assert removed["Location"] == SECURITY
    assert not TOTPDevice.objects.filter(user=member_user).exists()
    assert not StaticDevice.objects.filter(user=member_user).exists()
    assert otp_events(member_user) == ["otp_device_add", "otp_device_remove"]
    assert log_in(member_user).get("/membership/").status_code == 200  # not asked any more


def test_staff_cannot_remove_a_required_second_factor(staff_user, otp_on):
    key = enrol(staff_user)
    client = log_in(staff_user)
    client.post(VERIFY, {"code": code_for(key, ahead=1)})
    spare = StaticToken.objects.filter(device__user=staff_user).first().token

    response = client.post(SECURITY, {"action": "remove", "code": spare})

    assert response.status_code == 200
    assert "Your role requires a second factor" in response.content.decode()
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1
    assert StaticToken.objects.filter(device__user=staff_user).count() == 10
    assert otp_events(staff_user) == ["otp_device_add"]


def test_the_second_factor_names_the_ledger_s_own_permission_to_read_everything():
    # members/ does not import the ledger, so it names the permission by its string: the same one.
    assert AUDIT_PERMISSION == ledger_selectors.AUDIT_PERMISSION
