"""Joining online (issue 19): the sign-up form, the e-mail link, the member who can look but not pay
until the membership is paid, the consents with their versions, the application queue, the waiver.

Every refusal writes nothing: no pending sign-up, no mail, no user, no member."""

from __future__ import annotations

import datetime
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.core import mail as django_mail  # noqa: F401  (the outbox is ours: core.mail)
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from core.inbox import inbox_of
from core.models import AuditEvent, Notification, OutboundEmail
from ledger.errors import MembershipExpired
from ledger.services import transfer_create
from members.models import Commune, Member
from membership.models import Application, Consent, LegalDocument, MembershipPayment, PendingSignup
from membership.signup import current_document
from tests.conftest import PASSWORD, account_of, requires_postgresql
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "bocage-haies-2026!"
SIREN = "732829320"  # a valid SIREN (check digit)
RNA = "W853001234"


def form(**overrides) -> dict[str, str]:
    data = {
        "kind": "individual",
        "display_name": "Solène Rivière",
        "email": "solene@example.org",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "commune": str(Commune.objects.get(name="Martinet").pk),
        "address": "3 chemin des Haies, 85150 Martinet",
        "phone": "0251000001",
        "accept_terms": "on",
        "accept_privacy": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def link_in(email: OutboundEmail) -> str:
    match = re.search(r"https?://[^\s]+(/join/confirm/[^/\s]+/)", email.body)
    assert match, email.body
    return match.group(1)


def nothing_written(users_before: int) -> None:
    assert PendingSignup.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    assert User.objects.count() == users_before
    assert Member.objects.count() == 0 and not Consent.objects.exists()


def sign_up(client, **overrides) -> str:
    response = client.post(reverse("signup"), form(**overrides))
    assert response.status_code == 302 and response["Location"] == reverse("signup-sent"), (
        getattr(response, "context", None) and response.context["form"].errors
    )
    return link_in(OutboundEmail.objects.latest("id"))


def test_sign_up_then_the_link_creates_a_member_who_can_look_but_not_pay_until_the_membership_is_paid(
    client, make_member
):
    payee = make_member(username="payee")
    users = User.objects.count()

    response = client.post(reverse("signup"), form())

    assert response.status_code == 302 and response["Location"] == reverse("signup-sent")
    assert User.objects.count() == users  # nothing before the address is verified
    pending = PendingSignup.objects.get()
    assert pending.password.startswith("md5$") and NEW_PASSWORD not in str(pending.details)
    email = OutboundEmail.objects.get()
    assert email.to == ["solene@example.org"] and "Solène Rivière" in email.body
    link = link_in(email)
    sent = client.get(reverse("signup-sent"))
    assert "solene@example.org" in sent.content.decode()

    page = client.get(link)  # a mail scanner opening the link creates nothing
    assert page.status_code == 200 and User.objects.count() == users
    response = client.post(link)

    assert response.status_code == 302 and response["Location"] == reverse("signup-welcome")
    member = Member.objects.get(user__username="solene@example.org")
    assert (member.display_name, member.kind, member.commune.name) == ("Solène Rivière", "individual", "Martinet")
    assert member.address == "3 chemin des Haies, 85150 Martinet" and member.phone == "0251000001"
    assert member.membership_expires_on is None and member.user.email == "solene@example.org"
    assert member.user.check_password(NEW_PASSWORD)
    assert {(c.document.kind, c.document.version) for c in Consent.objects.filter(user=member.user)} == {
        ("terms", "2026-12"),
        ("privacy", "2026-12"),
    }
    assert account_of(member, "ACH").balance == 0
    pending.refresh_from_db()
    assert pending.confirmed_at is not None and pending.user == member.user and pending.password == ""
    assert AuditEvent.objects.filter(action="member_signup", object_id=str(member.pk)).count() == 1
    welcome = client.get(reverse("signup-welcome"))  # logged in
    assert welcome.status_code == 200 and "Solène Rivière" in welcome.content.decode()
    assert "votre identifiant est votre adresse e-mail\u202f: solene@example.org" in welcome.content.decode()
    assert client.login(username="solene@example.org", password=NEW_PASSWORD)
    assert not Application.objects.exists()

    # Look, not pay.
    with pytest.raises(MembershipExpired):
        transfer_create(
            from_account=account_of(member, "ACH"),
            to_account=account_of(payee, "ACH"),
            amount=Money("1", "ACH"),
            actor=member.user,
        )
    # Pays the membership in ACH (10 ACH for a resident) once they have ACH, then pays someone.
    give_ach(member, "30")
    response = client.post(reverse("membership"))
    assert response.status_code == 302
    member.refresh_from_db()
    payment = MembershipPayment.objects.get(member=member)
    assert (payment.unit, payment.amount, payment.period_start) == ("ACH", 1000, timezone.localdate())
    assert member.membership_expires_on == payment.period_end
    transfer_create(
        from_account=account_of(member, "ACH"),
        to_account=account_of(payee, "ACH"),
        amount=Money("5", "ACH"),
        actor=member.user,
    )
    assert account_of(member, "ACH").balance == 1500  # minor units: 30 − 10 − 5 ACH

    # The link opened again: already confirmed, nothing doubled.
    again = client.post(link)
    assert again.status_code == 200 and 'data-testid="signup-already"' in again.content.decode()
    assert Member.objects.filter(user__username="solene@example.org").count() == 1
    assert Consent.objects.filter(user=member.user).count() == 2
    assert AuditEvent.objects.filter(action="member_signup").count() == 1


def test_a_business_and_an_association_give_their_numbers(client):
    sign_up(client, kind="business", display_name="Boulangerie du Bocage", email="pain@example.org", siren=SIREN)
    sign_up(client, kind="association", display_name="Les Haies Vives", email="haies@example.org", rna="w 853 001 234")
    business, association = PendingSignup.objects.order_by("id")
    assert business.details["siren"] == SIREN and "rna" not in business.details
    assert association.details["rna"] == RNA and "siren" not in association.details
    client.post(link_in(OutboundEmail.objects.filter(to=["pain@example.org"]).get()))
    member = Member.objects.get(user__username="pain@example.org")
    assert (member.kind, member.siren) == ("business", SIREN)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "business", "siren": "732829321"}, "siren"),  # wrong check digit
        ({"kind": "business", "siren": ""}, "siren"),  # a business gives its SIREN
        ({"kind": "business", "siren": SIREN, "siret": "73282932000075"}, "siret"),
        ({"kind": "association", "rna": "853001234"}, "rna"),
        ({"kind": "association", "rna": ""}, "rna"),
        ({"password2": "autre-chose-2026!"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"accept_terms": None}, "accept_terms"),
        ({"accept_privacy": None}, "accept_privacy"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"commune": ""}, "commune"),
    ],
)
def test_each_refusal_shows_the_error_beside_its_field_and_writes_nothing(client, overrides, field):
    users = User.objects.count()

    response = client.post(reverse("signup"), form(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    nothing_written(users)


def test_outside_the_territory_is_recorded_without_a_commune_or_refused_by_the_setting(client, settings):
    sign_up(client, commune="outside")
    assert PendingSignup.objects.get().details["commune"] is None
    client.post(link_in(OutboundEmail.objects.get()))
    assert Member.objects.get(user__username="solene@example.org").commune is None

    settings.BOCAGE_SIGNUP_OUTSIDE_TERRITORY = False
    client.logout()
    response = client.post(reverse("signup"), form(email="autre@example.org", commune="outside"))
    assert response.status_code == 200 and "commune" in response.context["form"].errors
    assert PendingSignup.objects.count() == 1


def test_before_the_link_nothing_exists_and_an_expired_or_forged_link_creates_nothing(client):
    link = sign_up(client)
    users = User.objects.count()
    assert not User.objects.filter(username="solene@example.org").exists()
    assert client.login(username="solene@example.org", password=NEW_PASSWORD) is False

    forged = client.post("/join/confirm/forged-token/")
    assert forged.status_code == 404 and 'data-testid="signup-invalid"' in forged.content.decode()
    PendingSignup.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = client.post(link)
    assert expired.status_code == 404 and client.get(link).status_code == 404

    assert User.objects.count() == users and not Consent.objects.exists()
    assert PendingSignup.objects.get().confirmed_at is None


def test_an_address_that_has_an_account_gets_a_reminder_and_no_account_is_created(client, make_member):
    member = make_member(username="deja")
    member.user.email = "Deja@Example.org"
    member.user.save(update_fields=["email"])
    users = User.objects.count()

    response = client.post(reverse("signup"), form(email="deja@example.org"))

    assert response.status_code == 302 and response["Location"] == reverse("signup-sent")  # the same page
    assert User.objects.count() == users and not PendingSignup.objects.exists()
    email = OutboundEmail.objects.get()
    assert email.to == ["deja@example.org"]
    assert "qui a déjà un compte" in email.body and "/accounts/password_reset/" in email.body


def test_sign_ups_are_limited_per_address_and_per_hour(client, settings):
    settings.BOCAGE_SIGNUP_RATE_PER_HOUR = 3
    for number in range(3):
        sign_up(client, email=f"personne{number}@example.org")

    response = client.post(reverse("signup"), form(email="personne9@example.org"))

    assert response.status_code == 200
    assert "Trop d’inscriptions" in str(response.context["form"].non_field_errors())
    assert PendingSignup.objects.count() == 3 and OutboundEmail.objects.count() == 3


def test_a_public_register_lookup_is_off_unless_configured_and_its_failure_never_blocks(client, settings):
    settings.BOCAGE_SIRENE_LOOKUP_URL = "http://127.0.0.1:9/sirene/{siren}"  # nothing listens: unreachable
    sign_up(client, kind="business", email="pain@example.org", siren=SIREN)
    assert PendingSignup.objects.count() == 1


@pytest.fixture
def approval(settings):
    settings.BOCAGE_SIGNUP_REQUIRES_APPROVAL = True


def joined(client) -> Member:
    client.post(sign_up(client))
    return Member.objects.get(user__username="solene@example.org")


def test_with_approval_required_the_member_waits_and_cannot_pay_the_membership_until_accepted(
    client, approval, staff_user
):
    member = joined(client)
    application = Application.objects.get(member=member)
    assert application.status == Application.Status.PENDING
    give_ach(member, "30")
    page = client.get(reverse("membership"))
    assert 'data-testid="membership-pending"' in page.content.decode()

    client.post(reverse("membership"))

    assert not MembershipPayment.objects.exists()
    member.refresh_from_db()
    assert member.membership_expires_on is None and account_of(member, "ACH").balance == 3000
    # The staff's queue, counted in "À traiter".
    assert inbox_of(staff_user).counts["applications"] == 1
    staff = client.__class__()
    staff.force_login(staff_user)
    queue = staff.get(reverse("membership-applications"))
    assert queue.status_code == 200 and "Solène Rivière" in queue.content.decode()

    response = staff.post(reverse("membership-application-approve", args=[application.pk]))

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decided_by) == (Application.Status.APPROVED, staff_user)
    assert AuditEvent.objects.filter(action="membership_application_approve").count() == 1
    assert Notification.objects.filter(recipient=member.user, kind="membership_application").count() == 1
    assert OutboundEmail.objects.filter(to=["solene@example.org"], subject__contains="acceptée").count() == 1
    assert staff.post(reverse("membership-application-approve", args=[application.pk])).status_code == 404
    client.post(reverse("membership"))
    assert MembershipPayment.objects.filter(member=member).count() == 1


def test_a_refusal_needs_a_reason_which_is_mailed_and_audited(client, approval, staff_user):
    member = joined(client)
    application = Application.objects.get(member=member)
    staff = client.__class__()
    staff.force_login(staff_user)
    mails = OutboundEmail.objects.count()

    empty = staff.post(reverse("membership-application-refuse", args=[application.pk]), {})
    assert empty.status_code == 400
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING and OutboundEmail.objects.count() == mails

    reason = "Votre commune n'est pas encore membre de la coopérative."
    staff.post(
        reverse("membership-application-refuse", args=[application.pk]), {f"refuse-{application.pk}-reason": reason}
    )

    application.refresh_from_db()
    assert (application.status, application.reason) == (Application.Status.REFUSED, reason)
    refusal = OutboundEmail.objects.latest("id")
    assert refusal.to == ["solene@example.org"] and reason in refusal.body
    event = AuditEvent.objects.get(action="membership_application_refuse")
    assert event.reason == reason and event.actor == staff_user
    give_ach(member, "30")
    client.post(reverse("membership"))
    assert not MembershipPayment.objects.exists()


def test_staff_waive_a_year_of_membership_with_a_reason_and_others_cannot(client, staff_user, make_member):
    member = joined(client)
    other = make_member(username="other")
    outsider = client.__class__()
    outsider.force_login(other.user)
    url = reverse("membership-waive", args=[member.pk])

    assert outsider.post(url, {f"waive-{member.pk}-reason": "Ami"}).status_code == 403
    staff = client.__class__()
    staff.force_login(staff_user)
    assert staff.post(url, {}).status_code == 400
    member.refresh_from_db()
    assert member.membership_expires_on is None and not AuditEvent.objects.filter(action="membership_waive").exists()
    assert "Solène Rivière" in staff.get(reverse("membership-applications")).content.decode()

    staff.post(url, {f"waive-{member.pk}-reason": "Bénévole de l'épicerie solidaire"})

    member.refresh_from_db()
    assert member.membership_expires_on is not None and member.membership_valid_on()
    assert not MembershipPayment.objects.exists()  # nothing paid, nothing on the ledger
    event = AuditEvent.objects.get(action="membership_waive")
    assert event.reason == "Bénévole de l'épicerie solidaire" and event.actor == staff_user


def test_the_queue_is_for_staff_only(client, make_member):
    client.force_login(make_member().user)
    assert client.get(reverse("membership-applications")).status_code == 403


def test_the_current_document_is_the_setting_s_or_the_latest_published(settings):
    LegalDocument.objects.create(kind="terms", version="2027-03", published_on=datetime.date(2027, 3, 1))
    assert current_document("terms").version == "2026-12"  # not published yet
    LegalDocument.objects.create(kind="terms", version="2026-11", published_on=datetime.date(2026, 11, 1))
    assert current_document("terms").version == "2026-12"
    settings.BOCAGE_TERMS_VERSION = "2026-11"
    assert current_document("terms").version == "2026-11"


def test_the_pages_are_linked_and_translated(client):
    assert reverse("signup") in client.get(reverse("home")).content.decode()
    assert reverse("signup") in client.get(reverse("login")).content.decode()
    page = client.get(reverse("signup"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and "Adhérer" in page.content.decode()
    assert client.get(reverse("terms")).status_code == 200
    assert PASSWORD  # the fixtures' password is not a new member's


def test_sign_ups_whose_link_expired_unopened_are_deleted(client):
    from membership.tasks import pending_signups_purge

    sign_up(client, email="ancien@example.org")
    sign_up(client, email="recent@example.org")
    client.post(sign_up(client, email="confirme@example.org"))
    PendingSignup.objects.exclude(email="recent@example.org").update(expires_at=timezone.now())

    assert pending_signups_purge() == 1

    assert set(PendingSignup.objects.values_list("email", flat=True)) == {"confirme@example.org", "recent@example.org"}


def test_staff_record_a_membership_paid_in_euros_at_the_counter_on_the_ledger(client, staff_user, make_member):
    member = joined(client)
    url = reverse("membership-paid-in-euros", args=[member.pk])
    outsider = client.__class__()
    outsider.force_login(make_member(username="other").user)
    assert outsider.post(url).status_code == 403
    assert not MembershipPayment.objects.exists()
    staff = client.__class__()
    staff.force_login(staff_user)

    assert staff.post(url).status_code == 302

    payment = MembershipPayment.objects.get(member=member)
    assert (payment.unit, payment.amount, payment.actor) == ("EUR", 1000, staff_user)
    member.refresh_from_db()
    assert member.membership_expires_on == payment.period_end and member.membership_valid_on()
    assert account_of(member, "ACH").balance == 0  # paid in euros: nothing taken from the member's ACH


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_link_opened_twice_at_once_creates_one_member(client, mailoutbox):
    from membership.signup import signup_confirm

    client.post(reverse("signup"), form())
    # Committed, the mail is delivered and its outbox row emptied: the link is read as delivered.
    token = re.search(r"/join/confirm/([^/\s]+)/", mailoutbox[0].body).group(1)
    barrier = threading.Barrier(3)

    def confirm(_: int) -> tuple[int, bool]:
        try:
            barrier.wait(timeout=30)
            member, created = signup_confirm(token=token)
            return member.pk, created
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(confirm, range(3)))

    member = Member.objects.get(user__username="solene@example.org")
    assert sorted(results) == sorted([(member.pk, True), (member.pk, False), (member.pk, False)])
    assert Consent.objects.filter(user=member.user).count() == 2
    assert AuditEvent.objects.filter(action="member_signup").count() == 1


def test_a_siren_the_configured_register_does_not_know_is_refused_and_nothing_written(client, settings, monkeypatch):
    import urllib.error
    import urllib.request

    asked = []

    def register(url, timeout):
        asked.append(url)
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", register)
    settings.BOCAGE_SIRENE_LOOKUP_URL = "https://registre.example/siren/{siren}"
    users = User.objects.count()

    response = client.post(reverse("signup"), form(kind="business", email="pain@example.org", siren=SIREN))

    assert response.status_code == 200 and "siren" in response.context["form"].errors
    assert asked == [f"https://registre.example/siren/{SIREN}"]
    nothing_written(users)
