"""System memos as a code and parameters (ledger.memos), rendered in the reader's language."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money

from ledger import memos
from ledger import services as ledger
from ledger.models import Transaction
from ledger.sealing import GENESIS_HASH, seal_pending, transaction_line
from ledger.verification import verify_ledger
from members.models import Member
from membership.memos import MEMBERSHIP_PERIOD
from membership.services import membership_renew
from tests.conftest import account_of, api_client_for
from tests.currency.funding import give_ach
from tests.factories import PASSWORD

FRENCH = "Adhésion du 7 mai 2027 au 6 mai 2028"
ENGLISH = "Membership from 7 May 2027 to 6 May 2028"


def _renewed_member(make_member) -> Member:
    member = make_member(kind=Member.Kind.BUSINESS)
    Member.objects.filter(pk=member.pk).update(membership_expires_on=datetime.date(2027, 5, 6))
    member.refresh_from_db()
    give_ach(member, "80")
    with translation.override("fr"):
        membership_renew(member=member, unit="ACH", actor=member.user)
    return member


def _statement(member: Member, language: str) -> str:
    client = Client(headers={"accept-language": language})
    assert client.login(username=member.user.username, password=PASSWORD)
    page = client.get(reverse("statement", args=[account_of(member, "ACH").pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_a_renewal_posted_in_french_reads_in_each_readers_language(make_member):
    member = _renewed_member(make_member)
    txn = Transaction.objects.get(kind="membership")
    assert txn.memo == FRENCH  # the stored text, in the site's language, for the FEC and old readers
    assert (txn.memo_code, txn.memo_params) == (MEMBERSHIP_PERIOD, {"start": "2027-05-07", "end": "2028-05-06"})
    french = _statement(member, "fr")
    assert FRENCH in french and ENGLISH not in french
    english = _statement(member, "en")
    assert ENGLISH in english and FRENCH not in english


def test_a_renewal_posted_in_english_stores_the_same_french_text_and_hash(make_member):
    """The stored memo and the request hash do not depend on the language of whoever asked."""
    member = make_member()
    with translation.override("en"):
        english = memos.memo(MEMBERSHIP_PERIOD, start=datetime.date(2027, 5, 7), end=datetime.date(2028, 5, 6))
        assert str(english) == ENGLISH
        assert memos.split(english) == (FRENCH, MEMBERSHIP_PERIOD, {"start": "2027-05-07", "end": "2028-05-06"})
        assert memos.fingerprint(english) == FRENCH
    assert member.pk


def test_the_api_keeps_memo_as_stored_and_adds_memo_display(make_member):
    member = _renewed_member(make_member)
    client = api_client_for(member.user)
    answer = client.get(
        f"/api/accounts/{account_of(member, 'ACH').pk}/entries/", headers={"accept-language": "en"}
    ).json()
    rows = answer["results"] if isinstance(answer, dict) else answer
    fee = next(row for row in rows if row["kind"] == "membership")
    assert (fee["memo"], fee["memo_display"]) == (FRENCH, ENGLISH)


def test_an_old_row_with_only_its_memo_shows_it_unchanged(make_member):
    member = make_member()
    give_ach(member, "10")
    payee = make_member()
    txn = ledger.transfer_create(
        from_account=account_of(member, "ACH"),
        to_account=account_of(payee, "ACH"),
        amount=Money("2.50", "ACH"),
        memo="Adhésion 2026 – 2027 (saisie à la main)",
        actor=member.user,
    )
    txn.refresh_from_db()
    assert (txn.memo_code, txn.memo_params) == (None, None)
    with translation.override("en"):
        assert txn.memo_display == "Adhésion 2026 – 2027 (saisie à la main)"
    assert "Adhésion 2026 – 2027 (saisie à la main)" in _statement(member, "en")


def test_an_unknown_code_or_bad_parameters_fall_back_to_the_stored_text():
    assert memos.display("Texte d'origine", "nobody.registered_this", {"x": 1}) == "Texte d'origine"
    assert memos.display("Texte d'origine", MEMBERSHIP_PERIOD, {"start": "not a date"}) == "Texte d'origine"
    assert memos.display("Texte d'origine", MEMBERSHIP_PERIOD, {}) == "Texte d'origine"


def test_an_unregistered_code_is_refused_when_writing():
    with pytest.raises(ValueError):
        memos.memo("nobody.registered_this")


def test_dates_read_the_way_each_language_writes_them():
    assert memos.format_long_date(datetime.date(2026, 12, 6), "fr") == "6 décembre 2026"
    assert memos.format_long_date(datetime.date(2026, 6, 1), "fr") == "1er juin 2026"
    assert memos.format_long_date(datetime.date(2026, 12, 6), "en") == "6 December 2026"


def test_a_coded_transaction_seals_its_code_and_parameters_and_the_ledger_verifies(make_member):
    member = _renewed_member(make_member)
    seal = seal_pending(now=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    assert seal is not None
    fee = Transaction.objects.get(kind="membership")
    line = transaction_line(
        fee.pk,
        "membership",
        fee.created_at,
        FRENCH,
        None,
        fee.idempotency_key,
        member.user.pk,
        memo_code=MEMBERSHIP_PERIOD,
        memo_params={"start": "2027-05-07", "end": "2028-05-06"},
    )
    assert line.decode().endswith(f'|{MEMBERSHIP_PERIOD}|{{"end":"2028-05-06","start":"2027-05-07"}}\n')
    # A row without a code keeps the eight-field line (the seals written before stay valid).
    plain = transaction_line(1, "transfer", fee.created_at, "x", None, None, 4, memo_code=None, memo_params=None)
    assert plain.decode().count("|") == 7
    report = verify_ledger()
    assert report.ok, [str(d) for d in report.discrepancies]
    assert report.seals == 1
    assert hashlib.sha256(GENESIS_HASH.encode()).hexdigest() != seal.hash


def test_a_demurrage_memo_names_its_period_the_readers_way():
    from currency.memos import DEMURRAGE

    quarter = memos.memo(DEMURRAGE, period="2026-Q4")
    month = memos.memo(DEMURRAGE, period="2026-11")
    with translation.override("fr"):
        assert (str(quarter), str(month)) == ("Fonte 4e trimestre 2026", "Fonte novembre 2026")
    with translation.override("en"):
        assert (str(quarter), str(month)) == ("Demurrage (fonte) 4th quarter 2026", "Demurrage (fonte) November 2026")
    assert memos.split(quarter)[2] == {"period": "2026-Q4"}  # stored as the period's code
