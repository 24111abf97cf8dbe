"""A member who leaves is erased (pseudonymisation), and the proof that nothing of them is left.

1. The proof: Zéphirine Quarteron-Plouvier, a sole trader, leaves a value of hers in every section
   (name, e-mail, phone, address, IBAN, SIREN, a memo she typed, a listing and its photo, a message,
   a review, a pledge, a sign-up, an audit event, a mail, a notification, a session, a token…); closed
   and erased, then every text, char and JSON column of every table (Django's own included) and every
   decoded session is searched: nothing of hers outside the retained records, and nothing at all
   once the retention task ran past their date. The books are unchanged (balances, the register,
   the campaigns' totals) and the ledger verifies.
2. Erasing twice changes nothing; a member who never held shares nor reconverted leaves no record.
3. The retention task deletes only what is past its date.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from djmoney.money import Money
from PIL import Image

from cooperative.models import Shareholder, ShareMovement
from core.audit import audit_record
from core.mail import outbound_email_queue
from core.models import AuditEvent, Notification, OutboundEmail
from core.retention import retention_apply
from crowdfunding.models import Campaign, Pledge
from crowdfunding.services.pledges import pledge_create, pledge_withdraw
from currency.models import Comptoir, Reconversion
from currency.services.payments import payment_request_create
from currency.services.reconversions import reconversion_approve, reconversion_request, sepa_export_create
from exchange.models import Listing, ListingPhoto, Review
from exchange.services.listings import listing_photo_add
from exchange.services.reviews import exchange_message_post
from ledger.models import Account, Hold, Transaction
from ledger.sealing import seal_all_pending
from ledger.services import hold_create, hold_void, transfer_create
from ledger.verification import verify_ledger
from members import erasure
from members.erasure import member_erase, pseudonym
from members.models import Member, PersonalDataExport, RetainedRecord, UserSession
from members.personal_data_exports import personal_data_export_run
from members.services import api_token_create, member_update, personal_data_export_request
from membership.models import Application, PendingSignup
from membership.services import member_close, membership_renew
from membership.signup import consents_record, current_documents
from places.models import PassOffer, Plan
from tests.conftest import PASSWORD, account_of
from tests.cooperative.helpers import found_scic, shareholder_with_shares
from tests.crowdfunding.helpers import live_campaign, moderator
from tests.currency.funding import give_ach
from tests.exchange.test_exchange_support import listing_of, propose
from tests.proofs.test_access_matrix import world  # noqa: F401  (the fixture: two members' whole estates)
from timebank.services import service_record_create

pytestmark = pytest.mark.django_db

NAME = "Zéphirine Quarteron-Plouvier"
EMAIL = "zephirine.q@example.org"
PHONE = "06 12 34 56 78"
ADDRESS = "17 impasse des Grillons, 85150 Martinet"
IBAN = "FR4230004000030000123456789"
SIREN = "512345679"
# What must be found nowhere: case-insensitive; the phone by its digits, however it was written.
NEEDLES = ["zéphirine", "zephirine", "quarteron", "plouvier", EMAIL, "impasse des grillons", IBAN.lower(), SIREN]
PHONE_DIGITS = "612345678"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def retained_records_purge(*, today: datetime.date) -> int:
    """The nightly retention task run on `today`: how many retained records it deleted."""
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    return retention_apply(now=noon)["members.retained_records"]


def png() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(data, format="PNG")
    return SimpleUploadedFile("velo.png", data.getvalue(), content_type="image/png")


def zephirine_plants(make_member, staff_user) -> dict[str, Any]:
    """Zéphirine and a value of hers in every section; Céleste is whom she deals with."""
    moderator()
    celeste = make_member(username="celeste", display_name="Céleste Durand")
    give_ach(celeste, "100")
    member = make_member(kind=Member.Kind.BUSINESS, username="zephirine", display_name=NAME)
    user = member.user
    member_update(
        member=member,
        actor=None,
        address=ADDRESS,
        phone=PHONE,
        activity="Réparation de vélos",
        description=f"L'atelier de {NAME}",
        website="https://zephirine-velos.example.org",
        opening_hours="Mar–Sam",
        in_directory=True,
        directory_shows_phone=True,
        show_name_as_backer=True,
        language="fr",
        siren=SIREN,
        iban=IBAN,
        bic="PSSTFRPPLIL",
    )
    user.email, user.first_name, user.last_name = EMAIL, "Zéphirine", "Quarteron-Plouvier"
    user.save()
    give_ach(member, "200")
    membership_renew(member=member, unit="ACH", actor=user)
    ach, celeste_ach = account_of(member, "ACH"), account_of(celeste, "ACH")
    transfer_create(
        from_account=ach, to_account=celeste_ach, amount=Money("7", "ACH"), memo="Loyer Zéphirine", actor=user
    )
    hold = hold_create(
        from_account=ach, to_account=celeste_ach, amount=Money("5", "ACH"), memo=f"Acompte {NAME}", actor=user
    )
    hold_void(hold=hold, actor=celeste.user)
    listing = listing_of(member, title="Vélo de Zéphirine")
    listing_photo_add(listing=listing, actor=user, upload=png())
    exchange = propose(listing_of(celeste, title="Pain au levain"), member)
    exchange_message_post(exchange=exchange, body=f"Appelez-moi au {PHONE}", actor=user)
    Review.objects.create(exchange=exchange, author=member, subject=celeste, rating=4, comment="Merci — Zéphirine")
    campaign = live_campaign(celeste, title="Le fournil partagé")
    pledge_create(campaign=campaign, backer=member, amount=Money("10", "ACH"), actor=user)
    Pledge.objects.filter(backer=member).update(anonymous=False)
    cooperative = found_scic()
    shareholder_with_shares(cooperative, member)
    Shareholder.objects.filter(member=member).update(address=ADDRESS, siren=SIREN)
    reconversion_approve(
        reconversion=reconversion_request(member=member, amount=Money("10", "ACH"), actor=user), actor=staff_user
    )
    sepa_export_create(actor=staff_user)
    service_record_create(
        provider=member, receiver=celeste, hours=Money("1", "HRS"), description="Aide de Zéphirine", actor=user
    )
    payment_request_create(payee_account=ach, amount=Money("3", "ACH"), memo="Facture Zéphirine", actor=user)
    consents_record(user=user, documents=current_documents())
    PendingSignup.objects.create(
        email=EMAIL,
        kind=member.kind,
        display_name=NAME,
        details={"address": ADDRESS, "phone": PHONE},
        digest="zephirine-digest",
        expires_at=timezone.now(),
        confirmed_at=timezone.now(),
        user=user,
    )
    Application.objects.create(member=member, status=Application.Status.APPROVED, reason=f"Je suis {NAME}")
    audit_record(actor=staff_user, action="member_create", target=member, username="zephirine", email=EMAIL)
    outbound_email_queue(to=EMAIL, subject="Bienvenue Zéphirine", body=f"Bonjour {NAME}")
    outbound_email_queue(to="celeste@example.org", subject="Nouvelle proposition", body=f"{NAME} vous propose…")
    Notification.objects.create(recipient=user, kind="exchange_proposed", params={"title": "Vélo de Zéphirine"})
    Notification.objects.create(recipient=celeste.user, kind="exchange_proposed", params={"who": NAME})
    api_token_create(user=user, device="Téléphone de Zéphirine", actor=user)
    TOTPDevice.objects.create(user=user, name="Zéphirine's authenticator", confirmed=True)
    comptoir = Comptoir.objects.create(name="Comptoir des Achards")
    comptoir.staff.add(user)
    LogEntry.objects.create(
        user=staff_user,
        content_type=ContentType.objects.get_for_model(Member),
        object_id=str(member.pk),
        object_repr=NAME,
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["phone"]}}]),
    )
    personal_data_export_run(export_id=personal_data_export_request(member=member, actor=user).pk)
    client = Client()
    assert client.login(username="zephirine", password=PASSWORD)
    return {"member": member, "celeste": celeste, "campaign": campaign, "cooperative": cooperative}


def empty_accounts(member: Member, other: Member) -> None:
    """What the leaving flow settles first: every hold released, every balance back to zero."""
    for pledge in Pledge.objects.filter(backer=member, status=Pledge.Status.ACTIVE):
        pledge_withdraw(pledge=pledge, actor=member.user)
    accounts = list(Account.objects.filter(holder=member))
    for hold in Hold.objects.filter(debit_account__in=accounts, status=Hold.Status.PENDING):
        hold_void(hold=hold, actor=None, flow=True)
    for account in Account.objects.filter(holder=member):
        if account.balance:
            theirs = account_of(other, account.unit)
            unit = account.unit
            amount = Money(abs(account.balance), unit) / 100
            source, target = (account, theirs) if account.balance > 0 else (theirs, account)
            transfer_create(from_account=source, to_account=target, amount=amount, memo="Solde", actor=None)


def text_columns(model: type[models.Model]) -> list[models.Field]:
    kinds = (models.CharField, models.TextField, models.JSONField, models.FileField)
    return [field for field in model._meta.concrete_fields if isinstance(field, kinds)]


def traces() -> list[str]:
    """Where a planted value still is: `table.column #pk: text`, every table of every app searched."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        columns = text_columns(model)
        if not columns:
            continue
        for row in model._default_manager.values_list("pk", *[field.attname for field in columns]).iterator():
            for field, value in zip(columns, row[1:], strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                folded = (text or "").casefold()
                if any(needle.casefold() in folded for needle in NEEDLES) or PHONE_DIGITS in re.sub(r"\D", "", folded):
                    found.append(f"{model._meta.db_table}.{field.column} #{row[0]}: {text[:120]}")
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded(), ensure_ascii=False).casefold()
        if any(needle.casefold() in decoded for needle in NEEDLES):
            found.append(f"django_session {session.session_key}: {decoded[:120]}")
    return found


def books() -> dict[str, Any]:
    """What leaving must not change: every balance, the share register, the campaigns' totals."""
    return {
        "accounts": list(Account.objects.order_by("pk").values_list("pk", "unit", "balance", "held", "status")),
        "register": list(ShareMovement.objects.order_by("pk").values()),
        "campaigns": list(Campaign.objects.order_by("pk").values_list("pk", "raised_total", "status")),
        "transactions": Transaction.objects.count(),
    }


def test_a_member_who_leaves_is_found_nowhere_but_in_what_the_law_keeps_and_then_nowhere(
    make_member, staff_user, settings, django_capture_on_commit_callbacks
):
    planted = zephirine_plants(make_member, staff_user)
    member = planted["member"]
    empty_accounts(member, planted["celeste"])
    seal_all_pending(now=timezone.now() + datetime.timedelta(days=1))  # erasing must keep sealed rows verifiable
    assert len(traces()) > 20  # the search sees what was planted
    before = books()
    # Closing changes the status of her accounts, and nothing else of the books.
    hers = set(member.accounts.values_list("pk", flat=True))
    before["accounts"] = [(*row[:-1], "closed" if row[0] in hers else row[-1]) for row in before["accounts"]]

    photos = [Path(photo.image.path) for photo in ListingPhoto.objects.filter(listing__author=member)]
    assert photos and all(path.exists() for path in photos) and list(Path(settings.MEDIA_ROOT).rglob("*.zip"))
    with django_capture_on_commit_callbacks(execute=True):
        member_close(member=member, actor=staff_user)  # its accounts closed, then member_erase in the same transaction

    left = [trace for trace in traces() if not trace.startswith("members_retainedrecord.")]
    assert left == [], "\n".join(left)
    assert books() == before
    verification = verify_ledger()
    assert verification.ok, verification
    member.refresh_from_db()
    user = member.user
    assert (member.display_name, member.status, member.commune_id) == (pseudonym(member), "closed", member.commune_id)
    assert member.display_name == f"Ancien membre n°\u00a0{member.pk}"
    assert (user.username, user.email, user.is_active, user.has_usable_password()) == (
        f"closed-{user.pk}",
        "",
        False,
        False,
    )
    assert not UserSession.objects.filter(user=user).exists() and not TOTPDevice.objects.filter(user=user).exists()
    assert set(Listing.objects.filter(author=member).values_list("title", "status")) == {("Annonce retirée", "closed")}
    assert Review.objects.get(author=member).rating == 4
    assert not Notification.objects.filter(recipient=user).exists()
    assert not OutboundEmail.objects.filter(subject="Bienvenue Zéphirine").exists()
    assert Pledge.objects.get(backer=member).anonymous is True
    export = PersonalDataExport.objects.get(member=member)
    assert export.file.name == "" and not list(Path(settings.MEDIA_ROOT).rglob("*.zip"))
    assert (
        not any(path.exists() for path in photos) and not ListingPhoto.objects.filter(listing__author=member).exists()
    )
    assert Reconversion.objects.get(member=member).iban == ""
    transfer = Transaction.objects.get(entries__account__holder=member, entries__amount=-700)
    assert transfer.memo == "Libellé effacé"
    # Kept for the law: the former associate's identity and the payout's payee, ten years.
    records = {record.purpose: record for record in RetainedRecord.objects.filter(member_id=member.pk)}
    assert set(records) == {"share_register", "payout"}
    assert records["share_register"].data["name"] == NAME
    assert records["share_register"].data["address"] == ADDRESS
    assert records["payout"].data["iban"] == IBAN
    left_on = timezone.localdate(member.closed_at)
    assert records["share_register"].keep_until == erasure.years_after(left_on, 10)
    # Audited once, with counts only.
    event = AuditEvent.objects.get(action="member_erase")
    assert not any(needle.casefold() in json.dumps(event.details, ensure_ascii=False).casefold() for needle in NEEDLES)
    assert (event.details["retained_records"], event.details["legacy_memos_kept"]) == (2, 0)
    assert event.details["sections"]["members/member"] == 1 and event.details["sections"]["ledger/entries"] >= 1

    # Erasing twice changes nothing.
    snapshot = traces(), books(), AuditEvent.objects.count(), RetainedRecord.objects.count()
    again = member_erase(member=member, actor=staff_user)
    assert (
        again.changed == 0
        and (traces(), books(), AuditEvent.objects.count(), RetainedRecord.objects.count()) == snapshot
    )

    # Past the records' date, the retention task deletes them: nothing of her anywhere.
    assert retained_records_purge(today=left_on + datetime.timedelta(days=365)) == 0
    assert retained_records_purge(today=erasure.years_after(timezone.localdate(), 10) + datetime.timedelta(days=1)) == 2
    assert traces() == []
    assert books() == before


def test_a_member_who_never_held_shares_nor_reconverted_leaves_no_record(make_member, staff_user):
    member = make_member(username="yann", display_name="Yann Le Goff")
    member_close(member=member, actor=staff_user)

    assert AuditEvent.objects.get(action="member_erase").details["retained_records"] == 0
    assert not RetainedRecord.objects.exists()
    member.refresh_from_db()
    assert member.display_name == pseudonym(member)


def test_erasing_a_member_still_open_is_refused_and_writes_nothing(make_member, staff_user):
    member = make_member(username="yann", display_name="Yann Le Goff")
    with pytest.raises(ValueError):
        member_erase(member=member, actor=staff_user)
    member.refresh_from_db()
    assert member.display_name == "Yann Le Goff" and not AuditEvent.objects.filter(action="member_erase").exists()


def test_the_retention_task_deletes_only_the_records_past_their_date(make_member):
    today = timezone.localdate()
    for days, reference in ((-1, "past"), (0, "today"), (1, "future")):
        RetainedRecord.objects.create(
            member_id=1,
            purpose=RetainedRecord.Purpose.PAYOUT,
            legal_basis="accounting_record",
            reference=reference,
            keep_until=today + datetime.timedelta(days=days),
        )

    assert retained_records_purge(today=today) == 1
    assert retained_records_purge(today=today) == 0
    assert set(RetainedRecord.objects.values_list("reference", flat=True)) == {"today", "future"}


def test_the_retained_records_are_shown_to_auditors_only_and_read_only(client, staff_user):
    from tests.factories import auditor_user

    RetainedRecord.objects.create(
        member_id=1,
        purpose=RetainedRecord.Purpose.SHARE_REGISTER,
        legal_basis="share_register",
        reference="cooperative.shareholder:1",
        data={"name": NAME},
        keep_until=timezone.localdate(),
    )
    url = "/admin/members/retainedrecord/"
    client.force_login(staff_user)
    assert client.get(url).status_code == 403
    auditor = auditor_user("auditrice")
    auditor.is_staff = True
    auditor.save(update_fields=["is_staff"])
    client.force_login(auditor)
    assert client.get(url).status_code == 200
    assert client.post(f"{url}add/").status_code == 403


# --- the access matrix's world: every section of one member's, beside another's -----------------

# What A's marker may still be in after A left: the texts of the campaigns A owns are the project's
# (and so are the notifications and mails naming them), the books' exports the auditors asked for,
# and the tiers-lieu A managed (the network's place, named after A's marker by the planting).
PROJECT_CONTENT = {
    "places_place",
    "places_plan",
    "places_passoffer",
    "crowdfunding_campaign",
    "crowdfunding_campaignimage",
    "crowdfunding_campaignupdate",
    "crowdfunding_rewardtier",
    "ledger_exportjob",
    "members_retainedrecord",
}


def marker_traces(*needles: str, ignoring: tuple[str, ...] = ()) -> dict[str, int]:
    """How many values of each column hold one of `needles` (case-insensitive), once the texts
    `ignoring` are taken out of them."""
    counts: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        columns = text_columns(model)
        if not columns:
            continue
        for row in model._default_manager.values_list(*[field.attname for field in columns]).iterator():
            for field, value in zip(columns, row, strict=True):
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).casefold()
                for kept in ignoring:
                    text = text.replace(kept.casefold(), "")
                if any(needle.casefold() in text for needle in needles):
                    key = f"{model._meta.db_table}.{field.column}"
                    counts[key] = counts.get(key, 0) + 1
    return counts


def test_in_the_access_matrix_world_a_leaving_member_is_erased_and_the_other_untouched(
    world,  # noqa: F811
    staff_user,
):
    from members.services import member_closed_mark
    from tests.members.test_personal_data import plant_the_rest

    a, b = world.a, world.b
    plant_the_rest(a, world)
    plant_the_rest(b, world)
    a_needles = (a.marker, a.member.display_name, a.member.user.email)
    b_before = marker_traces(b.marker, b.member.display_name)
    assert len(marker_traces(*a_needles)) > 20

    # Closed without settling (this test is about the erasure, not the leaving checks).
    member_closed_mark(member=a.member, actor=staff_user)
    member_erase(member=a.member, actor=staff_user)

    # The titles of A's campaigns, told to moderators and backers, are the project's too.
    titles = tuple(Campaign.objects.filter(owner=a.member).values_list("title", flat=True))
    # So are the names of the plans and carnets a place sells, named in the memos of their payments.
    titles += tuple(Plan.objects.values_list("name", flat=True)) + tuple(
        PassOffer.objects.values_list("name", flat=True)
    )
    left = {
        column: count
        for column, count in marker_traces(*a_needles, ignoring=titles).items()
        if column.split(".")[0] not in PROJECT_CONTENT
    }
    assert left == {}
    assert marker_traces(b.marker, b.member.display_name) == b_before  # nothing of B's was touched


def test_a_pending_change_of_e_mail_dies_with_the_erasure(make_member, staff_user):
    from members.errors import EmailChangeLinkInvalid
    from members.services import email_change_confirm, email_change_request

    member = make_member(username="yann", display_name="Yann Le Goff", email="yann@example.org")
    signed = email_change_request(
        member=member, actor=member.user, new_email="yann.new@example.org", confirm_url=lambda value: value
    )
    member_close(member=member, actor=staff_user)
    member_erase(member=member, actor=staff_user)

    member.user.refresh_from_db()
    with pytest.raises(EmailChangeLinkInvalid):
        email_change_confirm(user=member.user, signed=signed)
    assert member.user.email == ""
