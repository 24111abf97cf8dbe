"""The audit log reads as sentences in the reader's language, with the raw details one click away."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from djmoney.money import Money

from core.audit import AuditActionSpec, describe, register_actions
from core.models import AuditEvent
from currency.services.reconversions import reconversion_approve, reconversion_request, sepa_export_create
from members.models import Member
from members.services import member_update
from tests.currency.funding import give_ach

pytestmark = pytest.mark.django_db


def _sentences(client: Client, language: str) -> tuple[list[str], str]:
    page = client.get("/audit/log/", headers={"accept-language": language})
    assert page.status_code == 200
    text = page.content.decode()
    found = re.findall(r'<span data-testid="audit-sentence">(.*?)</span>', text)
    return [html.unescape(sentence) for sentence in found], text


@pytest.fixture
def approved(make_member, staff_user, settings):
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0.05"
    bakery = make_member(kind=Member.Kind.BUSINESS, username="fournil", display_name="Le Fournil")
    member_update(member=bakery, actor=None, iban="FR1420041010050500013M02606", bic="PSSTFRPPLIL")
    give_ach(bakery, "2000")
    reconversion = reconversion_request(member=bakery, amount=Money("1234.50", "ACH"), actor=bakery.user)
    reconversion_approve(reconversion=reconversion, actor=staff_user)
    export = sepa_export_create(actor=staff_user)
    return reconversion, export


def test_a_reconversion_reads_as_a_sentence_with_formatted_amounts_in_each_language(client, staff_user, approved):
    reconversion, export = approved
    client.force_login(staff_user)
    french, page = _sentences(client, "fr")
    assert french == [
        f"Export du fichier de virements SEPA n°\u00a0{export.pk}\u00a0: reconversions n°\u00a0{reconversion.pk}, "
        "1\u202f172,77 EUR au total",
        f"Validation de la reconversion n°\u00a0{reconversion.pk} de Le Fournil\u00a0: 1\u202f234,50 ACH "
        "(frais 61,73 EUR)",
    ]
    # The raw JSON stays one click away, in a <details> element.
    assert re.search(r'<details class="audit-raw"><summary>Données brutes</summary>', page)
    assert "<code>reconversion_approve</code>" in page
    assert html.escape('"amount": 123450') in page
    english, _page = _sentences(client, "en")
    # English amounts are written the English way (core.l10n): 1,234.50, not 1 234,50.
    assert english[1] == (f"Approved reconversion #{reconversion.pk} of Le Fournil: 1,234.50 ACH (fee 61.73 EUR)")


def test_an_unknown_action_reads_as_its_raw_code_and_never_fails(client, staff_user):
    AuditEvent.objects.create(
        actor=staff_user, action="something_new", object_type="nowhere.gone", object_id="7", details={"x": [1, 2]}
    )
    client.force_login(staff_user)
    sentences, page = _sentences(client, "fr")
    assert sentences == ["something_new"]
    assert "nowhere.gone #7" in page


def test_details_that_do_not_fit_the_sentence_fall_back_to_the_code():
    register_actions(AuditActionSpec("test_unfit", "Moved %(amount)s", amounts=(("amount", "ACH"),)))
    event = AuditEvent(action="test_unfit", object_type="ledger.account", object_id="1", details={})
    assert describe(event, object_text="Compte n° 1") == "test_unfit"


def test_the_admins_generic_actions_name_the_object_by_its_type(staff_user):
    event = AuditEvent(
        action="account_change", object_type="ledger.account", object_id="3", details={"fields": ["name"]}
    )
    from django.utils import translation

    with translation.override("fr"):
        assert describe(event, object_text="Compte n°\u00a03") == (
            "Modification dans l’administration\u00a0: Compte n°\u00a03 (name)"
        )


def test_a_limit_change_reads_with_the_accounts_unit_not_in_cents():
    from django.utils import translation

    from ledger.units import get_unit

    event = AuditEvent(
        action="limit_change",
        object_type="ledger.account",
        object_id="3",
        details={"old": {"min_balance": 0, "max_balance": None}, "new": {"min_balance": -5000, "max_balance": 150000}},
    )
    with translation.override("fr"):
        sentence = describe(
            event,
            object_text="Compte #3",
            person="Louis Gaborit",
            object_unit="ACH",
            format_amount=lambda minor, unit: get_unit(unit).format(minor),
        )
    assert sentence == (
        "Modification des limites du compte n°\u00a03 (Louis Gaborit)\u00a0: plancher −50,00 ACH, "
        "plafond 1\u202f500,00 ACH (avant\u00a0: plancher 0,00 ACH, plafond aucun)"
    )
