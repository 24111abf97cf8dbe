"""The Django admin keeps the rules: every registered model is read-only (its writes are services)
or its form runs the services' validation and each save writes an AuditEvent.

The walk enumerates `admin.site._registry`, so a model registered later is covered: until it is
classified below, it fails with its name.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from djmoney.money import Money

from core.models import AuditEvent
from crowdfunding.models import Campaign
from crowdfunding.services.updates import campaign_update_post
from currency.models import Comptoir, Reconversion, SepaExport
from currency.services.reconversions import reconversion_request, sepa_export_create
from exchange.models import Category
from members.models import Commune, Member, RetainedRecord
from members.services import api_token_create
from places.models import Booking, MemberQualification, PassOffer, Place, Plan, Qualification, Resource, Subscription
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db

BAD_IBAN = "FR0000000000000000000000000"
GOOD_IBAN = "FR7630006000011234567890189"
BAD_SIREN = "123456789"
GOOD_SIREN, GOOD_SIRET = "732829320", "73282932000074"


@dataclass
class Editable:
    """How to prove a model's admin form validated and audited: a row, a refused change, an accepted one."""

    make: Callable[[dict[str, Any]], models.Model]
    invalid: dict[str, Any]
    valid: dict[str, Any]
    # {field: value the audit row must show after}; the valid POST's own value when absent
    after: dict[str, Any] = field(default_factory=dict)


def _place(name: str) -> Place:
    return Place.objects.create(
        name=name,
        kinds=["coworking"],
        commune=Commune.objects.get(name="Martinet"),
        address="1 rue de l'Église, 85150 Martinet",
        latitude="46.660000",
        longitude="-1.676000",
        units=["ACH"],
    )


def _business(world: dict[str, Any]) -> Member:
    return world["make_member"](kind="business", siren=GOOD_SIREN, siret=GOOD_SIRET, iban=GOOD_IBAN)


# The classification every registered admin model must be in. Read-only models need a row (from
# seed_demo or `extra_rows` below) so their change and delete pages are tried on a real one.
READ_ONLY = {
    "members.apitoken",
    "members.retainedrecord",
    "core.outboundemail",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "ledger.account",
    "ledger.transaction",
    "ledger.hold",
    "currency.conversion",
    "currency.reconversion",
    "currency.sepaexport",
    "exchange.listing",
    "exchange.exchange",
    "exchange.review",
    "crowdfunding.campaign",
    "crowdfunding.pledge",
    "crowdfunding.matchingpool",
    "crowdfunding.campaignupdate",
    "cooperative.cooperative",
    "cooperative.shareholder",
    "cooperative.sharemovement",
    "cooperative.subscriptionrequest",
    "cooperative.redemptionrequest",
    "places.memberqualification",
    "places.booking",
    "places.subscription",
    "places.pass",
}
EDITABLE = {
    "members.member": Editable(
        make=_business,
        invalid={"iban": BAD_IBAN, "siren": BAD_SIREN},
        valid={"iban": "FR14 2004 1010 0505 0001 3M02 606"},
        after={"iban": "FR1420041010050500013M02606"},
    ),
    "members.commune": Editable(
        make=lambda world: Commune.objects.create(name="Pouzauges", postal_code="85700", insee_code="85182"),
        invalid={"insee_code": "8518X"},
        valid={"postal_code": "85701"},
    ),
    "currency.comptoir": Editable(
        make=lambda world: Comptoir.objects.create(name="Comptoir de la mairie"),
        invalid={"name": ""},
        valid={"name": "Comptoir du marché"},
    ),
    "exchange.category": Editable(
        make=lambda world: Category.objects.create(slug="essai-h6", name_fr="Essai", name_en="Trial"),
        invalid={"slug": "pas un slug !"},
        valid={"name_en": "Try-out"},
    ),
    # A code outside PlaceKind cannot be saved from the admin (kinds, services, units are ticked).
    "places.place": Editable(
        make=lambda world: _place("Tiers-lieu du bourg"),
        invalid={"kinds": "boulangerie", "units": "XYZ"},
        valid={"name": "Tiers-lieu du bourg rénové"},
    ),
    "places.resource": Editable(
        make=lambda world: Resource.objects.create(place=_place("Atelier du bourg"), name="Salle", kind="room"),
        invalid={"capacity": "0"},
        valid={"capacity": "4"},
        after={"capacity": 4},
    ),
    "places.plan": Editable(
        make=lambda world: Plan.objects.create(
            place=_place("Cowork du bourg"), name="Résident", unit="ACH", price=9000
        ),
        invalid={"unit": "CRJ", "price": "abc"},
        valid={"price": "12000"},
        after={"price": 12000},
    ),
    "places.passoffer": Editable(
        make=lambda world: PassOffer.objects.create(
            place=_place("Coworking du bourg"), name="Carnet", unit="CRJ", quantity=1000, price_unit="ACH", price=10000
        ),
        invalid={"unit": "ACH", "price_unit": "CRJ"},
        valid={"validity_days": "90"},
        after={"validity_days": 90},
    ),
    "places.qualification": Editable(
        make=lambda world: Qualification.objects.create(place=_place("Fablab du bourg"), name="Soudure"),
        invalid={"name": ""},
        valid={"name": "Soudure à l'arc"},
    ),
    "auth.user": Editable(
        make=lambda world: User.objects.create_user(username="camille-h6", password="x"),
        invalid={"username": "pas valide !"},
        valid={"is_staff": "on"},
        after={"is_staff": True},
    ),
    "auth.group": Editable(
        make=lambda world: Group.objects.create(name="Comptoir"),
        invalid={"name": ""},
        valid={"permissions": ["{view_member}"]},
        after={"permissions": ["{view_member}"]},
    ),
}
# Admins whose change page takes another id than the row's primary key (none today).
OBJECT_ID: dict[str, Callable[[Any], Any]] = {}

REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


def extra_rows() -> None:
    """Rows of the registered models seed_demo does not make, as their own code would make them."""
    member = Member.objects.order_by("pk").first()
    assert member is not None
    api_token_create(user=member.user, device="phone", actor=member.user)
    attempt = {"user_agent": "test", "ip_address": "203.0.113.9", "username": member.user.username}
    AccessAttempt.objects.create(**attempt, http_accept="*/*", path_info="/accounts/login/", failures_since_start=2)
    AccessLog.objects.create(**attempt, http_accept="*/*", path_info="/accounts/login/")
    AccessFailureLog.objects.create(**attempt, http_accept="*/*", path_info="/accounts/login/", locked_out=False)
    # A member's devices: the operator's own would make its session owe a second factor.
    TOTPDevice.objects.create(user=member.user, name="phone", confirmed=True)
    StaticDevice.objects.create(user=member.user, name="backup", confirmed=True)
    # What the law keeps of a member who left (members.erasure writes it when they leave).
    RetainedRecord.objects.create(
        member_id=member.pk,
        purpose=RetainedRecord.Purpose.PAYOUT,
        legal_basis="accounting_record",
        reference="currency.reconversion:0",
        data={"name": member.display_name},
        keep_until=datetime.date(2036, 12, 31),
    )
    if not Booking.objects.exists():  # the demo network books; until it does, one booking row of the places' own
        place = _place("Tiers-lieu des règles")
        resource = Resource.objects.create(place=place, name="Bureau", kind="office")
        start = timezone.now() + datetime.timedelta(days=3)
        Booking.objects.create(
            resource=resource,
            member=member,
            start=start,
            end=start + datetime.timedelta(hours=1),
            blocks_until=start + datetime.timedelta(hours=1),
            exclusive=True,
            unit="ACH",
            price=0,
        )
    if not Subscription.objects.exists():  # a plan's subscription, as places.services.plans records it
        plan = Plan.objects.create(place=Place.objects.order_by("pk").first(), name="Résident", unit="ACH", price=100)
        Subscription.objects.create(member=member, plan=plan, unit="ACH", price=100, start=timezone.localdate())
    if not MemberQualification.objects.exists():
        qualification = Qualification.objects.create(place=Place.objects.order_by("pk").first(), name="Sécurité")
        MemberQualification.objects.create(qualification=qualification, member=member)
    campaign = (
        Campaign.objects.exclude(status__in=[Campaign.Status.DRAFT, Campaign.Status.SUBMITTED])
        .select_related("owner__user")
        .first()
    )
    assert campaign is not None
    campaign_update_post(
        campaign=campaign, title="Nouvelles", body="<p>Le four est arrivé.</p>", actor=campaign.owner.user
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo community (a row of nearly every model), seeded once for the module and rolled back at its end."""
    # DEBUG: seed_demo makes the embedded demo only (it refuses with DEBUG off).
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], DEBUG=True)
    with django_db_blocker.unblock(), fast_hashing:
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # as in test_seed_demo: durable services nest
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            superuser = User.objects.create_superuser(username="root-h6", password="x", email="root@example.org")
            extra_rows()
            yield {"superuser": superuser}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def operator(world, make_member) -> Client:
    world["make_member"] = make_member
    client = Client()
    client.force_login(world["superuser"])
    return client


class _FormReader(HTMLParser):
    """What a browser would submit from the admin's change form (no JavaScript)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:  # the inlines' empty template is not a form
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name", "")
        if tag == "input" and name and attr.get("type") not in {"submit", "button", "file"}:
            if attr.get("type") in {"checkbox", "radio"} and "checked" not in attr:
                return
            self._add(name, attr.get("value", "on" if attr.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attr:
            self._add(self._select, attr.get("value", ""))
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Django writes a newline after <textarea>, which browsers drop.
            self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data


def submitted_form(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, url
    reader = _FormReader()
    reader.feed(response.content.decode())
    data: dict[str, Any] = {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}
    data.pop("csrfmiddlewaretoken", None)
    return data


def table_digest(model: type[models.Model]) -> str:
    rows = model._meta.concrete_model._default_manager.order_by("pk").values_list()  # type: ignore[union-attr]
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def admin_url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def model_of(label: str) -> type[models.Model]:
    return next(model for model in admin.site._registry if model._meta.label_lower == label)


def test_every_registered_admin_model_is_classified():
    unclassified = sorted(set(REGISTERED) - READ_ONLY - set(EDITABLE))
    assert not unclassified, (
        f"classify these admin models as read-only or editable (validated, audited): {unclassified}"
    )


def test_the_classification_names_no_model_twice():
    assert not READ_ONLY & set(EDITABLE)


@pytest.mark.parametrize("label", REGISTERED)
def test_every_admin_model_is_read_only_or_validated_and_audited(label, operator, world):
    assert label in READ_ONLY or label in EDITABLE, f"{label} is registered in the admin but not classified"
    model = model_of(label)
    if label in READ_ONLY:
        check_read_only(operator, model, label)
    else:
        check_validated_and_audited(operator, model, EDITABLE[label], world)


def check_read_only(client: Client, model: type[models.Model], label: str) -> None:
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"{label}: give it a row in extra_rows() so its pages are tried on a real one"
    object_id = quote(OBJECT_ID.get(label, lambda obj: obj.pk)(row))
    before, events = table_digest(model), AuditEvent.objects.count()

    assert client.get(admin_url(model, "changelist")).status_code == 200, label
    assert client.get(admin_url(model, "change", object_id)).status_code == 200, label  # viewing is allowed
    assert client.get(admin_url(model, "add")).status_code == 403, label
    assert client.post(admin_url(model, "add"), {}).status_code == 403, label
    assert client.post(admin_url(model, "change", object_id), {"_save": "Save"}).status_code == 403, label
    assert client.get(admin_url(model, "delete", object_id)).status_code == 403, label
    assert client.post(admin_url(model, "delete", object_id), {"post": "yes"}).status_code == 403, label
    bulk = client.post(admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk]})
    assert bulk.status_code in {200, 302}, label

    assert table_digest(model) == before, f"{label}: a refused write changed the table"
    assert AuditEvent.objects.count() == events


def check_validated_and_audited(client: Client, model: type[models.Model], case: Editable, world: dict) -> None:
    row = case.make(world)
    url = admin_url(model, "change", quote(row.pk))
    form = submitted_form(client, url)
    valid, after = _resolved(case.valid), {**_resolved(case.valid), **_resolved(case.after)}
    before, last_event = table_digest(model), AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    refused = client.post(url, {**form, **case.invalid})
    assert refused.status_code == 200, f"{model._meta.label}: an invalid value was saved"
    assert set(case.invalid) <= set(refused.context["adminform"].form.errors), refused.context["adminform"].form.errors
    assert table_digest(model) == before
    assert not AuditEvent.objects.filter(id__gt=last_event or 0).exists()

    accepted = client.post(url, {**form, **valid})
    assert accepted.status_code == 302, accepted.context and accepted.context["adminform"].form.errors
    [event] = AuditEvent.objects.filter(id__gt=last_event or 0)
    assert event.actor == world["superuser"]
    assert (event.action, event.object_type, event.object_id) == (
        f"{model._meta.model_name}_change",
        model._meta.label_lower,
        str(row.pk),
    )
    assert event.details["fields"] == sorted(valid)
    for name, value in after.items():
        assert event.details["changes"][name][1] == value, (name, event.details)


def _resolved(values: dict[str, Any]) -> dict[str, Any]:
    """'{view_member}' stands for that permission's id, which differs between databases."""
    permission = Permission.objects.get(codename="view_member").pk

    def one(value: Any) -> Any:
        if value == "{view_member}":
            return permission
        return [one(item) for item in value] if isinstance(value, list) else value

    return {name: one(value) for name, value in values.items()}


def test_an_iban_of_zeros_is_refused_in_the_admin_and_no_sepa_file_ever_pays_it(operator, world):
    business = _business(world)
    give_ach(business, "100.00")
    url = admin_url(Member, "change", business.pk)
    form = submitted_form(operator, url)

    refused = operator.post(url, {**form, "iban": BAD_IBAN, "siren": BAD_SIREN})

    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert "IBAN" in errors["iban"][0] and "SIREN" in errors["siren"][0]
    business.refresh_from_db()
    assert (business.iban, business.siren) == (GOOD_IBAN, GOOD_SIREN)
    assert not AuditEvent.objects.filter(object_type="members.member", object_id=str(business.pk)).exists()

    reconversion = reconversion_request(member=business, amount=Money("40.00", "ACH"), actor=business.user)
    approved = operator.post(
        admin_url(Reconversion, "changelist"),
        {"action": "approve", "_selected_action": [reconversion.pk], "reason": ""},
    )
    assert approved.status_code == 302
    reconversion.refresh_from_db()
    assert reconversion.status == Reconversion.Status.APPROVED
    assert AuditEvent.objects.filter(action="reconversion_approve", actor=world["superuser"]).count() == 1
    export = sepa_export_create(actor=world["superuser"])
    assert GOOD_IBAN in export.xml
    assert BAD_IBAN not in "".join(SepaExport.objects.values_list("xml", flat=True))


def test_a_password_changed_in_the_admin_is_audited_without_its_value(operator, world):
    user = User.objects.create_user(username="dominique-h6", password="old-password-1")
    url = admin_url(User, "password_change", user.pk)
    new = "Nouveau-mot-de-passe-42"

    response = operator.post(url, {"password1": new, "password2": new, "set_usable_password": "true"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    [event] = AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk))
    assert (event.action, event.actor, event.details) == (
        "user_password_change",
        world["superuser"],
        {"fields": ["password"]},
    )


def test_a_superuser_flag_granted_in_the_admin_names_who_and_what(operator, world):
    user = User.objects.create_user(username="alex-h6", password="x")
    url = admin_url(User, "change", user.pk)

    response = operator.post(url, {**submitted_form(operator, url), "is_staff": "on", "is_superuser": "on"})

    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk))
    assert event.actor == world["superuser"]
    assert event.details["changes"] == {"is_staff": [False, True], "is_superuser": [False, True]}


def test_closing_a_member_in_the_admin_goes_through_the_service_and_refuses_one_with_money(operator, world):
    empty, funded = _business(world), world["make_member"]()
    give_ach(funded, "5.00")

    response = operator.post(
        admin_url(Member, "changelist"),
        {"action": "close", "_selected_action": [empty.pk, funded.pk]},
        follow=True,
    )

    assert response.status_code == 200
    empty.refresh_from_db()
    funded.refresh_from_db()
    assert (empty.status, funded.status) == (Member.Status.CLOSED, Member.Status.ACTIVE)
    assert [(event.action, event.object_id) for event in AuditEvent.objects.filter(action="member_close")] == [
        ("member_close", str(empty.pk))
    ]
    shown = [str(message) for message in response.context["messages"]]
    assert any(str(funded) in message and "solde" in message for message in shown), shown


def test_a_failed_login_is_unlocked_through_an_audited_action(operator, world):
    attempt = AccessAttempt.objects.get(ip_address="203.0.113.9")

    response = operator.post(
        admin_url(AccessAttempt, "changelist"), {"action": "unlock", "_selected_action": [attempt.pk]}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    [event] = AuditEvent.objects.filter(action="login_unlock")
    assert (event.actor, event.details["username"]) == (world["superuser"], attempt.username)


def test_a_lost_second_factor_is_removed_through_an_audited_action(operator, world):
    device = TOTPDevice.objects.get(name="phone")

    response = operator.post(
        admin_url(TOTPDevice, "changelist"), {"action": "remove_second_factor", "_selected_action": [device.pk]}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    assert not StaticDevice.objects.filter(user=device.user).exists()
    [event] = AuditEvent.objects.filter(action="otp_device_remove")
    assert (event.actor, event.object_id, len(event.details["devices"])) == (
        world["superuser"],
        str(device.user_id),
        2,
    )


def test_a_subcategory_added_inline_is_audited_as_its_own_row(operator, world):
    parent = Category.objects.create(slug="essai-parent-h6", name_fr="Essai", name_en="Trial")
    url = admin_url(Category, "change", parent.pk)
    form = submitted_form(operator, url)
    inline = {"children-0-slug": "pain-h6", "children-0-name_fr": "Pain", "children-0-name_en": "Bread"}

    response = operator.post(url, {**form, **inline, "children-0-position": "1"})

    assert response.status_code == 302
    child = Category.objects.get(slug="pain-h6", parent=parent)
    [event] = AuditEvent.objects.filter(object_type="exchange.category")
    assert (event.action, event.object_id, event.actor) == ("category_create", str(child.pk), world["superuser"])
    assert event.details["changes"]["name_fr"] == [None, "Pain"]


def test_a_reconversion_rejected_in_the_admin_needs_a_reason_and_is_audited(operator, world):
    business = _business(world)
    give_ach(business, "30.00")
    reconversion = reconversion_request(member=business, amount=Money("30.00", "ACH"), actor=business.user)
    url, chosen = admin_url(Reconversion, "changelist"), {"action": "reject", "_selected_action": [reconversion.pk]}

    without_reason = operator.post(url, {**chosen, "reason": " "}, follow=True)

    reconversion.refresh_from_db()
    assert reconversion.status == Reconversion.Status.REQUESTED
    audited = AuditEvent.objects.filter(object_type="currency.reconversion", object_id=str(reconversion.pk))
    assert not audited.exists()
    shown = [str(message) for message in without_reason.context["messages"]]
    assert any("Indiquez pourquoi" in message for message in shown), shown

    assert operator.post(url, {**chosen, "reason": "IBAN au nom d'un tiers"}).status_code == 302
    reconversion.refresh_from_db()
    assert (reconversion.status, reconversion.rejection_reason) == (
        Reconversion.Status.REJECTED,
        "IBAN au nom d'un tiers",
    )
    [event] = audited
    assert (event.action, event.actor) == ("reconversion_reject", world["superuser"])
