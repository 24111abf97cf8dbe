"""Settling before leaving: the member's gift of what is left of their ACH to the community fund,
and the administrator's write-off of hours or SEL units, each a ledger posting, audited, idempotent."""

from __future__ import annotations

import pytest
from djmoney.money import Money

from core.errors import Conflict, InvalidInput, PermissionDenied
from core.models import AuditEvent
from ledger.models import Account, Transaction
from ledger.selectors import system_balance
from ledger.services import transfer_create
from membership.errors import NothingToSettle, SettlementNotAllowed
from membership.leaving import account_version
from membership.memos import LEAVING_GIFT, LEAVING_WRITE_OFF
from membership.services import leaving_gift, leaving_write_off, member_leave
from tests.currency.funding import give_ach
from tests.factories import account_of, staff
from tests.membership.leaving_support import snapshot

pytestmark = pytest.mark.django_db


def balance(member, unit: str) -> int:
    return Account.objects.get(holder=member, unit=unit).balance


def test_the_gift_to_the_community_fund_empties_the_account_and_a_second_click_replays_it(make_member):
    member = make_member()
    give_ach(member, "12.34")
    ach = account_of(member, "ACH")
    fund_before = system_balance(Account.SystemCode.DEMURRAGE_FUND, "ACH")
    version = account_version(ach)
    first = leaving_gift(member=member, account_id=ach.pk, version=version, actor=member.user)
    again = leaving_gift(member=member, account_id=ach.pk, version=version, actor=member.user)
    assert again.pk == first.pk
    assert balance(member, "ACH") == 0
    assert system_balance(Account.SystemCode.DEMURRAGE_FUND, "ACH") == fund_before + 1234
    assert first.memo_code == LEAVING_GIFT
    assert first.idempotency_key == f"leaving-gift:{member.pk}:{ach.pk}:{version}"
    events = AuditEvent.objects.filter(action="leaving_gift")
    assert [(e.object_id, e.details["amount"]) for e in events] == [(str(ach.pk), 1234)]
    member_leave(member=member, actor=member.user)  # nothing left: the member may leave


def test_a_gift_on_a_balance_that_moved_since_is_refused_and_posts_nothing(make_member):
    member = make_member()
    give_ach(member, "5")
    ach = account_of(member, "ACH")
    version = account_version(ach)
    give_ach(member, "1")
    before = snapshot(member)
    with pytest.raises(Conflict):
        leaving_gift(member=member, account_id=ach.pk, version=version, actor=member.user)
    assert snapshot(member) == before
    assert balance(member, "ACH") == 600


def test_hours_cannot_be_given_and_an_empty_account_has_nothing_to_give(make_member):
    member = make_member()
    hours = account_of(member, "HRS")
    with pytest.raises(SettlementNotAllowed):
        leaving_gift(member=member, account_id=hours.pk, version=0, actor=member.user)
    ach = account_of(member, "ACH")
    with pytest.raises(NothingToSettle):
        leaving_gift(member=member, account_id=ach.pk, version=account_version(ach), actor=member.user)
    assert Transaction.objects.filter(memo_code=LEAVING_GIFT).count() == 0


def test_someone_elses_account_is_not_found_for_a_gift(make_member):
    from core.errors import NotFound

    member, other = make_member(), make_member()
    give_ach(other, "3")
    theirs = account_of(other, "ACH")
    with pytest.raises(NotFound):
        leaving_gift(member=member, account_id=theirs.pk, version=account_version(theirs), actor=member.user)
    assert balance(other, "ACH") == 300


def test_an_administrator_writes_off_negative_hours_with_a_reason_audited_and_once(make_member):
    member, other = make_member(), make_member()
    transfer_create(
        from_account=account_of(member, "HRS"),
        to_account=account_of(other, "HRS"),
        amount=Money("2.5", "HRS"),
        actor=None,
    )
    admin = staff("admin-leaving")
    hours = account_of(member, "HRS")
    world_before = system_balance(Account.SystemCode.WORLD, "HRS")
    version = account_version(hours)
    first = leaving_write_off(account_id=hours.pk, version=version, reason="Départ du territoire", actor=admin)
    again = leaving_write_off(account_id=hours.pk, version=version, reason="Départ du territoire", actor=admin)
    assert again.pk == first.pk
    assert balance(member, "HRS") == 0
    assert balance(other, "HRS") == 250
    assert system_balance(Account.SystemCode.WORLD, "HRS") == world_before - 250
    assert first.memo_code == LEAVING_WRITE_OFF
    event = AuditEvent.objects.get(action="leaving_write_off")
    assert (event.actor, event.reason, event.details["amount"]) == (admin, "Départ du territoire", -250)


def test_a_write_off_without_a_reason_or_by_a_member_is_refused_and_posts_nothing(make_member):
    member, other = make_member(), make_member()
    transfer_create(
        from_account=account_of(other, "GRN"),
        to_account=account_of(member, "GRN"),
        amount=Money("3", "GRN"),
        actor=None,
    )
    grn = account_of(member, "GRN")
    version = account_version(grn)
    before = snapshot(member)
    with pytest.raises(InvalidInput) as no_reason:
        leaving_write_off(account_id=grn.pk, version=version, reason="  ", actor=staff("admin-leaving"))
    assert no_reason.value.fields == {"reason": ["Donnez la raison de cette décision."]}
    with pytest.raises(PermissionDenied):
        leaving_write_off(account_id=grn.pk, version=version, reason="Départ", actor=member.user)
    ach = account_of(member, "ACH")
    with pytest.raises(SettlementNotAllowed):
        leaving_write_off(account_id=ach.pk, version=account_version(ach), reason="Départ", actor=staff("admin-2"))
    assert snapshot(member) == before
    assert balance(member, "GRN") == 300


def test_the_write_off_page_is_refused_to_a_member_and_posts_for_staff(client, make_member):
    member, other = make_member(), make_member()
    transfer_create(
        from_account=account_of(other, "HRS"),
        to_account=account_of(member, "HRS"),
        amount=Money("1", "HRS"),
        actor=None,
    )
    hours = account_of(member, "HRS")
    url = f"/membership/members/{member.pk}/leaving/"
    form = {"account": hours.pk, "version": account_version(hours), "reason": "Décision du CA"}
    client.force_login(other.user)
    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    assert balance(member, "HRS") == 100
    client.force_login(staff("admin-leaving"))
    page = client.get(url)
    assert page.status_code == 200
    assert "1 h" in page.content.decode()
    assert client.post(url, {**form, "reason": ""}).status_code == 400
    assert balance(member, "HRS") == 100
    answer = client.post(url, form)
    assert answer.status_code == 302
    assert balance(member, "HRS") == 0


def test_the_gift_button_on_the_leaving_page_gives_what_is_left(client, make_member):
    member = make_member()
    give_ach(member, "7")
    client.force_login(member.user)
    page = client.get("/me/close/")
    assert "Donner ce qui reste au fonds commun" in page.content.decode()
    ach = account_of(member, "ACH")
    answer = client.post("/me/close/gift/", {"account": ach.pk, "version": account_version(ach)})
    assert answer.status_code == 302
    assert balance(member, "ACH") == 0


def test_the_admin_member_page_links_to_the_staff_leaving_page(client, make_member, django_user_model):
    member = make_member()
    admin = django_user_model.objects.create_superuser(username="root", password="x-Secret-42", email="")
    client.force_login(admin)
    page = client.get(f"/admin/members/member/{member.pk}/change/")
    assert page.status_code == 200
    assert f'href="/membership/members/{member.pk}/leaving/"' in page.content.decode()
