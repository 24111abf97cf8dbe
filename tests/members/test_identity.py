"""Members: identity numbers (SIREN/SIRET, RNA, VAT, IBAN/BIC) checked and normalised, the communes."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import InvalidInput
from ledger.models import Account
from members.models import Commune, Member
from members.services import member_create
from tests.conftest import PASSWORD, api_client_for

pytestmark = pytest.mark.django_db

VALID = {
    "siren": "248 500 530",
    "siret": "248 500 530 00006",
    "vat_number": "FR 51 248500530",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "bic": "AGRIFRPP",
}


def test_a_business_is_created_with_its_identity_numbers_normalised(make_member):
    bakery = make_member(kind=Member.Kind.BUSINESS, **VALID)
    assert (bakery.siren, bakery.siret, bakery.vat_number) == ("248500530", "24850053000006", "FR51248500530")
    assert (bakery.iban, bakery.bic) == ("FR7630006000011234567890189", "AGRIFRPP")


def test_an_association_gets_its_rna_number_checked():
    association = member_create(
        actor=None, username="ruche", password=PASSWORD, display_name="La Ruche", kind="association", rna="w853001234"
    )
    assert association.rna == "W853001234"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("siren", "248500531", "check digit"),
        ("siret", "24850053000007", "check digit"),
        ("siret", "1234", "number of characters"),
        ("vat_number", "FR00248500530", "check digit"),
        ("iban", "FR76 3000 6000 0112 3456 7890 188", "check digit"),
        ("bic", "AGRI", "number of characters"),
        ("rna", "W12345", "W followed by nine digits"),
    ],
)
def test_an_invalid_identity_number_is_refused_with_a_field_error_and_nothing_is_created(field, value, fragment):
    kind = "association" if field == "rna" else "business"
    with translation.override("en"), pytest.raises(InvalidInput) as refusal:
        member_create(actor=None, username="x", password=PASSWORD, display_name="X", kind=kind, **{field: value})
    assert list(refusal.value.fields) == [field]
    assert fragment in refusal.value.fields[field][0]
    assert Member.objects.count() == 0
    assert Account.objects.count() == 0


def test_identity_errors_are_in_french_by_default():
    with pytest.raises(InvalidInput) as refusal:
        member_create(actor=None, username="x", password=PASSWORD, display_name="X", kind="business", siren="248500531")
    assert refusal.value.fields["siren"] == [
        "Ce SIREN a une clé de contrôle erronée\u00a0: vérifiez qu’il n’y a pas de faute de frappe."
    ]


def test_an_individual_cannot_have_a_siret_nor_a_siret_of_another_siren():
    with pytest.raises(InvalidInput) as individual:
        member_create(
            actor=None, username="x", password=PASSWORD, display_name="X", kind="individual", siret=VALID["siret"]
        )
    assert list(individual.value.fields) == ["siret"]
    with pytest.raises(InvalidInput) as mismatch:
        member_create(
            actor=None, username="y", password=PASSWORD, display_name="Y", kind="business",
            siren="732829320", siret=VALID["siret"],
        )  # fmt: skip
    assert list(mismatch.value.fields) == ["siret"]
    assert Member.objects.count() == 0


def test_the_api_answers_400_with_every_invalid_number_at_once_and_creates_nothing(staff_user):
    response = api_client_for(staff_user).post(
        "/api/members/",
        {
            "username": "garage",
            "password": PASSWORD,
            "display_name": "Garage",
            "kind": "business",
            "siren": "248500531",
            "iban": "FR00 0000",
            "bic": VALID["bic"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert sorted(response.json()["fields"]) == ["iban", "siren"]
    assert Member.objects.count() == 0


def test_the_api_creates_a_business_with_its_commune_and_numbers(staff_user):
    commune = Commune.objects.get(name="Martinet")
    response = api_client_for(staff_user).post(
        "/api/members/",
        {"username": "boulangerie", "password": PASSWORD, "display_name": "Boulangerie du Martinet",
         "kind": "business", "commune": commune.pk, "activity": "Boulangerie", "in_directory": True, **VALID},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["commune"], body["siret"], body["in_directory"]) == (commune.pk, "24850053000006", True)
    assert body["membership_expires_on"] is not None
    assert sorted(a["unit"] for a in body["accounts"]) == ["ACH", "GRN", "HRS"]


def test_the_nine_communes_of_the_pays_des_achards_are_there():
    assert Commune.objects.count() == 9
    assert Commune.objects.get(name="Nieul-le-Dolent").postal_code == "85430"
