"""A change of IBAN holds the business's reconversions BOCAGE_IBAN_CHANGE_HOLD_DAYS (the classic fraud:
a stolen login changes the IBAN, then cashes out)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from core.models import AuditEvent
from currency.models import Reconversion, SepaExport
from currency.services.reconversions import reconversion_approve, reconversion_request, sepa_export_create
from members.models import Member
from members.services import member_iban_change

from .test_reconversions import bakery, reconversions_snapshot  # noqa: F401  (the fixture)
from .test_sepa import approved, two_businesses  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

NEW_IBAN = "FR7630006000011234567890189"


def changed_days_ago(member: Member, days: float) -> None:
    Member.objects.filter(pk=member.pk).update(iban_changed_at=timezone.now() - datetime.timedelta(days=days))
    member.refresh_from_db()


def test_a_first_iban_holds_nothing(bakery):  # noqa: F811
    assert bakery.iban and bakery.iban_changed_at is None


def test_approval_is_refused_within_the_hold_with_the_date_and_nothing_is_written(bakery, staff_user, settings):  # noqa: F811
    settings.BOCAGE_IBAN_CHANGE_HOLD_DAYS = 5
    request = reconversion_request(member=bakery, amount=Money("40", "ACH"), actor=bakery.user)
    member_iban_change(member=bakery, actor=bakery.user, iban=NEW_IBAN, bic="")
    bakery.refresh_from_db()
    until = timezone.localtime(bakery.iban_changed_at + datetime.timedelta(days=5))
    before = reconversions_snapshot()
    events = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        reconversion_approve(reconversion=request, actor=staff_user)

    assert (refused.value.code, refused.value.status) == ("iban_recently_changed", 422)
    assert f"{until:%d}" in str(refused.value.message) and str(until.year) in str(refused.value.message)
    assert reconversions_snapshot() == before
    assert AuditEvent.objects.count() == events
    request.refresh_from_db()
    assert (request.status, request.transaction) == ("requested", None)


def test_approval_is_allowed_again_once_the_hold_is_over(bakery, staff_user, settings):  # noqa: F811
    settings.BOCAGE_IBAN_CHANGE_HOLD_DAYS = 5
    request = reconversion_request(member=bakery, amount=Money("40", "ACH"), actor=bakery.user)
    changed_days_ago(bakery, 4.9)
    with pytest.raises(ApplicationError):
        reconversion_approve(reconversion=request, actor=staff_user)

    changed_days_ago(bakery, 5.01)

    assert reconversion_approve(reconversion=request, actor=staff_user).status == "approved"


def test_the_approval_page_shows_the_refusal_and_the_queue_shows_the_change(client, bakery, staff_user):  # noqa: F811
    request = reconversion_request(member=bakery, amount=Money("40", "ACH"), actor=bakery.user)
    changed_days_ago(bakery, 1)
    client.force_login(staff_user)

    queue = client.get("/reconversion/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "IBAN changed on" in queue and "on hold until" in queue

    client.post(f"/reconversion/{request.pk}/approve/", HTTP_ACCEPT_LANGUAGE="en")
    request.refresh_from_db()
    assert request.status == "requested"


def test_the_export_leaves_out_a_reconversion_whose_iban_changed_after_approval(two_businesses, staff_user):  # noqa: F811
    shop, garage = two_businesses
    shop_reconversion = approved(shop, "100.00", staff_user)
    garage_reconversion = approved(garage, "40.00", staff_user)
    member_iban_change(member=shop, actor=shop.user, iban="FR7920041010050500013M02600", bic="")

    export = sepa_export_create(actor=staff_user)

    assert export.count == 1
    assert f"BOCAGE-RECONV-{garage_reconversion.pk}" in export.xml
    assert f"BOCAGE-RECONV-{shop_reconversion.pk}" not in export.xml
    shop_reconversion.refresh_from_db()
    assert (shop_reconversion.status, shop_reconversion.export) == ("approved", None)

    # Alone and still held: nothing to export, nothing written.
    with pytest.raises(ApplicationError) as refused:
        sepa_export_create(actor=staff_user)
    assert refused.value.code == "nothing_to_export"
    assert SepaExport.objects.count() == 1

    # The hold over, the next export takes it.
    changed_days_ago(shop, 30)
    later = sepa_export_create(actor=staff_user)
    assert later.count == 1 and f"BOCAGE-RECONV-{shop_reconversion.pk}" in later.xml
    assert Reconversion.objects.get(pk=shop_reconversion.pk).status == "exported"


def test_an_iban_changed_before_the_approval_does_not_hold_the_export(two_businesses, staff_user):  # noqa: F811
    shop, _garage = two_businesses
    changed_days_ago(shop, 10)
    reconversion = approved(shop, "100.00", staff_user)

    export = sepa_export_create(actor=staff_user)

    assert f"BOCAGE-RECONV-{reconversion.pk}" in export.xml
