"""The SEPA export: one pain.001.001.03 file for every approved reconversion, parsed back and summed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from djmoney.money import Money

from core.errors import ApplicationError
from currency.models import Reconversion, SepaExport
from currency.sepa import NAMESPACE, SepaTransfer, build_pain_001, pain_001_problems, sepa_text
from currency.services.reconversions import (
    reconversion_approve,
    reconversion_reject,
    reconversion_request,
    sepa_export_create,
)
from ledger.services import transfer_create
from members.models import Member
from tests.conftest import account_of

from ._exchange import (
    BIC_BUSINESS,
    IBAN_BUSINESS,
    IBAN_OTHER,
    assert_backed,
    convert,
    give_iban,
    make_comptoir,
    system_balances,
)

pytestmark = pytest.mark.django_db
NS = {"p": NAMESPACE}


@pytest.fixture
def two_businesses(make_member, django_user_model):
    """Two businesses paid in ACH: the bakery (IBAN + BIC) and the garage (IBAN only, accented name)."""
    comptoir, cashier = make_comptoir(django_user_model)
    camille = make_member(username="camille")
    convert(comptoir, cashier, camille, "300")
    bakery = give_iban(make_member(kind=Member.Kind.BUSINESS, username="boulangerie", display_name="La Boulangerie"))
    garage = give_iban(
        make_member(kind=Member.Kind.BUSINESS, username="garage", display_name="Garage Hérault & Fils"),
        iban=IBAN_OTHER,
        bic="",
    )
    for business in (bakery, garage):
        transfer_create(
            from_account=account_of(camille, "ACH"),
            to_account=account_of(business, "ACH"),
            amount=Money("150", "ACH"),
            actor=None,
        )
    return bakery, garage


def approved(member: Member, amount: str, staff) -> Reconversion:
    request = reconversion_request(member=member, amount=Money(amount, "ACH"), actor=member.user)
    return reconversion_approve(reconversion=request, actor=staff)


def test_the_export_pays_every_approved_reconversion_net_of_its_fee(two_businesses, staff_user, settings):
    settings.BOCAGE_RECONVERSION_FEE_RATE = "0.05"
    bakery, garage = two_businesses
    first = approved(bakery, "100.00", staff_user)  # fee 5.00 → 95.00
    second = approved(garage, "40.10", staff_user)  # fee 2.01 → 38.09
    pending = reconversion_request(member=bakery, amount=Money("10", "ACH"), actor=bakery.user)
    rejected = reconversion_request(member=garage, amount=Money("10", "ACH"), actor=garage.user)
    reconversion_reject(reconversion=rejected, actor=staff_user, reason="doublon")
    assert system_balances() == {
        "world_eur": -30000 + 9500 + 3809,
        "guarantee_fund": 30000 - 10000 - 4010,
        "issuance_ach": -30000 + 10000 + 4010,
        "fees_eur": 500 + 201,
    }
    assert_backed()

    export = sepa_export_create(actor=staff_user)

    assert (export.count, export.total, export.created_by) == (2, 9500 + 3809, staff_user)
    assert len(export.message_id) <= 35
    assert pain_001_problems(export.xml) == []
    root = ET.fromstring(export.xml)
    assert root.tag == f"{{{NAMESPACE}}}Document"
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == export.message_id
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "133.09"
    payments = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert len(payments) == 1
    payment = payments[0]
    assert payment.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert payment.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Association Monnaie Locale du Pays des Achards"
    assert payment.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == settings.BOCAGE_ASSOCIATION_IBAN
    assert payment.findtext("p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == settings.BOCAGE_ASSOCIATION_BIC
    transfers = payment.findall("p:CdtTrfTxInf", NS)
    rows = [
        (
            item.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            item.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            item.findtext("p:Amt/p:InstdAmt", namespaces=NS),
            item.findtext("p:Cdtr/p:Nm", namespaces=NS),
            item.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            item.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS),
            item.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
        )
        for item in transfers
    ]
    assert rows == [
        (
            f"BOCAGE-RECONV-{first.pk}",
            "EUR",
            "95.00",
            "La Boulangerie",
            IBAN_BUSINESS,
            BIC_BUSINESS,
            f"Bocage reconversion ACH {first.pk}",
        ),
        (
            f"BOCAGE-RECONV-{second.pk}",
            "EUR",
            "38.09",
            "Garage Herault Fils",
            IBAN_OTHER,
            None,
            f"Bocage reconversion ACH {second.pk}",
        ),
    ]
    control_sum = sum(Decimal(row[2]) for row in rows)
    approved_net = sum(r.amount - r.fee for r in Reconversion.objects.filter(export=export))
    assert control_sum == Decimal(approved_net) / 100 == Decimal("133.09")
    assert set(Reconversion.objects.filter(export=export).values_list("status", flat=True)) == {"exported"}
    pending.refresh_from_db()
    rejected.refresh_from_db()
    assert (pending.status, pending.export, rejected.status, rejected.export) == ("requested", None, "rejected", None)
    assert_backed()


def test_a_second_export_with_nothing_new_is_refused_and_writes_nothing(two_businesses, staff_user):
    bakery, _garage = two_businesses
    approved(bakery, "10", staff_user)
    first = sepa_export_create(actor=staff_user)
    with pytest.raises(ApplicationError) as refused:
        sepa_export_create(actor=staff_user)
    assert (refused.value.code, refused.value.status) == ("nothing_to_export", 422)
    assert list(SepaExport.objects.values_list("pk", flat=True)) == [first.pk]

    later = approved(bakery, "20", staff_user)
    second = sepa_export_create(actor=staff_user)
    assert list(Reconversion.objects.filter(export=second).values_list("pk", flat=True)) == [later.pk]
    assert second.message_id != first.message_id
    assert second.count == 1


def test_only_staff_may_export(two_businesses):
    bakery, _garage = two_businesses
    with pytest.raises(ApplicationError) as refused:
        sepa_export_create(actor=bakery.user)
    assert refused.value.status == 403
    with pytest.raises(ApplicationError):
        sepa_export_create(actor=None)


# --- the structural check itself catches what is wrong ------------------------------------------


def good_file() -> str:
    import datetime

    return build_pain_001(
        message_id="BOCAGE-20261125103000-abcdef12",
        created_at=datetime.datetime(2026, 11, 25, 10, 30),
        execution_date=datetime.date(2026, 11, 26),
        debtor_name="Association Monnaie Locale",
        debtor_iban=IBAN_OTHER,
        debtor_bic="AGRIFRPP",
        transfers=[
            SepaTransfer("E2E-1", Decimal("12.5"), "Café du Bourg", IBAN_BUSINESS, BIC_BUSINESS, "Reconversion 1"),
            SepaTransfer("E2E-2", Decimal("0.01"), "Ferme", IBAN_OTHER, "", "Reconversion 2"),
        ],
    )


def test_a_good_file_has_no_problem_and_amounts_have_a_dot_and_two_decimals():
    xml = good_file()
    assert pain_001_problems(xml) == []
    assert '<InstdAmt Ccy="EUR">12.50</InstdAmt>' in xml
    assert "<CtrlSum>12.51</CtrlSum>" in xml
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>", "NbOfTxs"),
        ("<CtrlSum>12.51</CtrlSum>", "<CtrlSum>12.50</CtrlSum>", "CtrlSum"),
        ("12.50</InstdAmt>", "12,50</InstdAmt>", "InstdAmt"),
        ('Ccy="EUR">12.50', 'Ccy="USD">12.50', "InstdAmt"),
        ("BOCAGE-20261125103000-abcdef12</MsgId>", "BOCAGE-20261125103000-abcdef12-much-too-long</MsgId>", "MsgId"),
        ("<PmtMtd>TRF</PmtMtd>", "<PmtMtd>CHK</PmtMtd>", "PmtMtd"),
        (IBAN_BUSINESS, "not an iban", "IBAN"),
        ("<ReqdExctnDt>2026-11-26</ReqdExctnDt>", "", "ReqdExctnDt is missing"),
        ("<Nm>Ferme</Nm>", "<Nm>Férme</Nm>", "Cdtr/Nm"),
        ("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03", "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09", "root"),
    ],
)
def test_the_structural_check_names_what_is_wrong(old, new, problem):
    xml = good_file()
    assert old in xml
    problems = pain_001_problems(xml.replace(old, new, 1))
    assert any(problem in text for text in problems), problems


def test_the_structural_check_refuses_children_out_of_schema_order():
    xml = good_file()
    debtor_start, debtor_end = xml.index("<Dbtr>"), xml.index("</Dbtr>") + len("</Dbtr>")
    debtor = xml[debtor_start:debtor_end]
    swapped = xml[:debtor_start] + xml[debtor_end:]
    swapped = swapped.replace("<ChrgBr>", debtor + "<ChrgBr>", 1)
    assert any("out of order" in problem for problem in pain_001_problems(swapped))


def test_sepa_text_keeps_the_basic_latin_set_and_the_length():
    assert sepa_text("Boulangerie « Chez Léa » & Cie", 70) == "Boulangerie Chez Lea Cie"
    assert len(sepa_text("x" * 100, 70)) == 70
