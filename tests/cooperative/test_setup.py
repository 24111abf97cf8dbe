"""Founding a cooperative: statutes, SIREN, share classes, colleges and their weights, admissions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import translation
from djmoney.money import Money

from cooperative.models import College, Cooperative, ShareClass, Shareholder
from cooperative.services.requests import subscription_request_create
from cooperative.services.setup import (
    college_weight_problems,
    colleges_define,
    cooperative_create,
    share_class_create,
    shareholder_admit,
)
from core.errors import ApplicationError
from ledger.models import Account
from tests.cooperative.helpers import SIREN, administrator, college, found_scic
from tests.cooperative.test_worked_examples import refused, subscribed

pytestmark = pytest.mark.django_db

D = datetime.date
CC_ACHARDS = "248500530"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def create(**overrides: Any) -> Cooperative:
    fields: dict[str, Any] = {
        "name": "SCOP L'Atelier du Bocage",
        "legal_form": Cooperative.LegalForm.SCOP,
        "siren": SIREN,
        "seat_address": "12 rue de la Forge, 85150 Martinet",
        "actor": administrator(),
    }
    return cooperative_create(**{**fields, **overrides})


def founding_refused(code: str, fields: dict[str, list[str]], **overrides: Any) -> None:
    """cooperative_create refuses with these field errors and opens nothing."""
    before = (Cooperative.objects.count(), Account.objects.count())
    with pytest.raises(ApplicationError) as caught:
        create(**overrides)
    assert caught.value.code == code
    assert {key: [str(m) for m in value] for key, value in (caught.value.fields or {}).items()} == fields
    assert (Cooperative.objects.count(), Account.objects.count()) == before


def weights_of(cooperative: Cooperative) -> list[tuple[str, int]]:
    return list(College.objects.filter(cooperative=cooperative).values_list("name", "weight"))


# --- the cooperative ------------------------------------------------------------------------------


def test_a_cooperative_is_registered_with_its_statutes_and_a_capital_account_in_euros():
    cooperative = create(
        siren="732 829 320",
        min_shares_per_member=2,
        max_shares_per_member=100,
        lockup_months=36,
        redemption_delay_months=6,
        board_approval_required=False,
        capital_floor=Money("1250.50", "EUR"),
    )

    cooperative.refresh_from_db()
    assert (cooperative.siren, cooperative.legal_form, cooperative.name) == (
        "732829320",
        "scop",
        "SCOP L'Atelier du Bocage",
    )
    assert (
        cooperative.min_shares_per_member,
        cooperative.max_shares_per_member,
        cooperative.lockup_months,
        cooperative.redemption_delay_months,
        cooperative.board_approval_required,
        cooperative.capital_floor,
    ) == (2, 100, 36, 6, False, 125050)
    account = cooperative.capital_account
    assert (account.system_code, account.unit, account.reference, account.balance) == (
        Account.SystemCode.CAPITAL,
        "EUR",
        "coop:732829320",
        0,
    )


@pytest.mark.parametrize(
    ("siren", "message"),
    [
        ("732829321", "This SIREN has a wrong check digit: please check for a typo."),
        ("73282932", "This SIREN does not have the right number of characters."),
        ("73282932A", "This is not a valid SIREN."),
        ("", "This is not a valid SIREN."),
    ],
)
def test_an_invalid_siren_is_refused_with_python_stdnums_reason(siren, message):
    founding_refused("invalid", {"siren": [message]}, siren=siren)


def test_a_siren_already_registered_is_refused():
    create()

    founding_refused(
        "invalid", {"siren": ["A cooperative with this SIREN is already registered."]}, siren="732 829 320"
    )


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"legal_form": "gaec"}, {"legal_form": ["Choose a legal form."]}),
        ({"name": "  "}, {"name": ["This field is required."]}),
        ({"seat_address": ""}, {"seat_address": ["This field is required."]}),
        ({"min_shares_per_member": 0}, {"min_shares_per_member": ["A whole number from 1 to 1000000."]}),
        (
            {"min_shares_per_member": 5, "max_shares_per_member": 4},
            {"max_shares_per_member": ["The maximum must be at least the minimum."]},
        ),
        ({"lockup_months": -1}, {"lockup_months": ["A whole number from 0 to 1200."]}),
        ({"capital_floor": Money("100", "USD")}, {"capital_floor": ["An amount in euros."]}),
        (
            {"capital_floor": Money("100.005", "EUR")},
            {"capital_floor": ["A positive amount in euros, with at most two decimals."]},
        ),
        (
            {"capital_floor": Money("-1", "EUR")},
            {"capital_floor": ["A positive amount in euros, with at most two decimals."]},
        ),
    ],
)
def test_statutes_out_of_bounds_are_refused(overrides, fields):
    founding_refused("invalid", fields, **overrides)


def test_a_capital_floor_of_zero_is_allowed():
    assert create(capital_floor=Money("0", "EUR")).capital_floor == 0


# --- share classes --------------------------------------------------------------------------------


def test_a_share_class_has_a_unique_code_and_a_nominal_value_in_cents():
    cooperative = create()
    partners = share_class_create(
        cooperative=cooperative,
        code="c ",
        name="Partenaires",
        nominal_value=Money("12.50", "EUR"),
        actor=administrator(),
    )
    assert (partners.code, partners.nominal_value) == ("C", 1250)

    with refused(cooperative, "invalid", fields={"code": ["This cooperative already has a class C."]}):
        share_class_create(
            cooperative=cooperative, code="C", name="Autres", nominal_value=Money("10", "EUR"), actor=administrator()
        )
    # Another cooperative may have its own class C.
    elsewhere = create(siren=CC_ACHARDS)
    share_class_create(
        cooperative=elsewhere, code="C", name="Partenaires", nominal_value=Money("10", "EUR"), actor=administrator()
    )
    assert ShareClass.objects.filter(code="C").count() == 2


@pytest.mark.parametrize(
    ("code", "name", "nominal", "fields"),
    [
        (
            "D",
            "Soutiens",
            Money("0", "EUR"),
            {"nominal_value": ["A positive amount in euros, with at most two decimals."]},
        ),
        (
            "D",
            "Soutiens",
            Money("12.345", "EUR"),
            {"nominal_value": ["A positive amount in euros, with at most two decimals."]},
        ),
        ("D", "Soutiens", Money("10", "ACH"), {"nominal_value": ["An amount in euros."]}),
        ("", "Soutiens", Money("10", "EUR"), {"code": ["This field is required."]}),
        ("SOUTI", "Soutiens", Money("10", "EUR"), {"code": ["At most 4 characters."]}),
        ("D", "", Money("10", "EUR"), {"name": ["This field is required."]}),
    ],
)
def test_an_invalid_share_class_is_refused(code, name, nominal, fields):
    cooperative = create()

    with refused(cooperative, "invalid", fields=fields):
        share_class_create(cooperative=cooperative, code=code, name=name, nominal_value=nominal, actor=administrator())

    assert ShareClass.objects.count() == 0


# --- colleges -------------------------------------------------------------------------------------


def colleges_refused(cooperative: Cooperative, code: str, colleges: list[dict[str, Any]], **expected: Any) -> None:
    before = list(College.objects.order_by("id").values_list("id", "name", "weight", "position"))
    with refused(cooperative, code, **expected):
        colleges_define(cooperative=cooperative, colleges=colleges, actor=administrator())
    assert list(College.objects.order_by("id").values_list("id", "name", "weight", "position")) == before


def test_the_colleges_of_a_scic_sum_to_one_hundred_and_each_weighs_between_ten_and_fifty_percent():
    cooperative = found_scic()
    assert college_weight_problems(cooperative) == []

    colleges_refused(
        cooperative,
        "invalid_college_weights",
        [{"name": "Salariés", "weight": 40}, {"name": "Usagers", "weight": 30}, {"name": "Soutiens", "weight": 20}],
        message="The weights sum to 90 %, not 100 %.",
    )
    colleges_refused(
        cooperative,
        "invalid_college_weights",
        [{"name": "Salariés", "weight": 60}, {"name": "Usagers", "weight": 40}],
        message="In a SCIC each college weighs between 10 % and 50 %: “Salariés” has 60 %.",
    )
    colleges_refused(
        cooperative,
        "invalid_college_weights",
        [
            {"name": "Salariés", "weight": 50},
            {"name": "Usagers", "weight": 45},
            {"name": "Collectivités", "weight": 5},
        ],
        message="In a SCIC each college weighs between 10 % and 50 %: “Collectivités” has 5 %.",
    )
    colleges_refused(
        cooperative,
        "invalid_college_weights",
        [{"name": "Salariés", "weight": 70}, {"name": "Usagers", "weight": 35}],
        message="The weights sum to 105 %, not 100 %. "
        "In a SCIC each college weighs between 10 % and 50 %: “Salariés” has 70 %.",
    )
    colleges_refused(cooperative, "invalid_college_weights", [], message="The cooperative has no college yet.")
    assert weights_of(cooperative) == [("Salariés", 40), ("Usagers", 30), ("Collectivités", 30)]


def test_the_limits_of_a_scic_are_allowed_at_ten_and_fifty_percent():
    cooperative = found_scic()

    colleges_define(
        cooperative=cooperative,
        colleges=[
            {"name": "Salariés", "weight": 50},
            {"name": "Usagers", "weight": 40},
            {"name": "Soutiens", "weight": 10},
        ],
        actor=administrator(),
    )

    assert weights_of(cooperative) == [("Salariés", 50), ("Usagers", 40), ("Soutiens", 10)]


def test_a_scop_may_weigh_its_colleges_sixty_forty():
    cooperative = create()

    colleges_define(
        cooperative=cooperative,
        colleges=[{"name": "Associés salariés", "weight": 60}, {"name": "Associés extérieurs", "weight": 40}],
        actor=administrator(),
    )

    assert weights_of(cooperative) == [("Associés salariés", 60), ("Associés extérieurs", 40)]
    assert college_weight_problems(cooperative) == []
    assert college_weight_problems(cooperative, {"Associés salariés": 60, "Associés extérieurs": 30}) == [
        "The weights sum to 90 %, not 100 %."
    ]


def test_colleges_are_matched_by_name_when_reweighed():
    cooperative = found_scic()
    ids = dict(College.objects.values_list("name", "id"))

    colleges_define(
        cooperative=cooperative,
        colleges=[
            {"name": "Collectivités", "weight": 20, "description": "Communes et communauté de communes"},
            {"name": "Salariés", "weight": 50},
            {"name": "Usagers", "weight": 30},
        ],
        actor=administrator(),
    )

    assert list(College.objects.filter(cooperative=cooperative).values_list("id", "name", "weight", "position")) == [
        (ids["Collectivités"], "Collectivités", 20, 0),
        (ids["Salariés"], "Salariés", 50, 1),
        (ids["Usagers"], "Usagers", 30, 2),
    ]
    assert college(cooperative, "Collectivités").description == "Communes et communauté de communes"


def test_invalid_college_lists_are_refused_field_by_field():
    cooperative = found_scic()

    colleges_refused(
        cooperative,
        "invalid",
        [{"name": "Salariés", "weight": 50}, {"name": "Salariés", "weight": 50}],
        fields={"colleges[1].name": ["Two colleges have this name."]},
    )
    colleges_refused(
        cooperative,
        "invalid",
        [{"name": "Salariés", "weight": 100}, {"name": "Usagers", "weight": 0}],
        fields={"colleges[1].weight": ["A whole number from 1 to 100."]},
    )
    colleges_refused(
        cooperative,
        "invalid",
        [{"name": "", "weight": 50}, {"name": "Usagers", "weight": 50}],
        fields={"colleges[0].name": ["This field is required."]},
    )


def test_a_college_with_members_cannot_be_removed_but_an_empty_one_can(make_member):
    cooperative = found_scic()
    subscribed(cooperative, make_member(username="alice"), "Usagers", "B", 1, paid_on=D(2024, 1, 8))

    colleges_refused(
        cooperative,
        "invalid",
        [{"name": "Salariés", "weight": 50}, {"name": "Collectivités", "weight": 50}],
        message="The college “Usagers” has members: move them before removing it.",
    )

    colleges_define(
        cooperative=cooperative,
        colleges=[{"name": "Salariés", "weight": 50}, {"name": "Usagers", "weight": 50}],
        actor=administrator(),
    )
    assert weights_of(cooperative) == [("Salariés", 50), ("Usagers", 50)]


def test_a_college_named_by_a_subscription_request_cannot_be_removed(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")
    subscription_request_create(
        cooperative=cooperative,
        share_class=cooperative.share_classes.get(code="B"),
        quantity=1,
        college=college(cooperative, "Collectivités"),
        actor=alice.user,
    )

    colleges_refused(
        cooperative,
        "invalid",
        [{"name": "Salariés", "weight": 50}, {"name": "Usagers", "weight": 50}],
        message="Subscription requests name the college “Collectivités”: it cannot be removed.",
    )


# --- admissions -----------------------------------------------------------------------------------


def test_admitting_a_member_twice_returns_the_same_shareholder(make_member):
    cooperative = found_scic()
    alice = make_member(username="alice")

    first = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Salariés"),
        member=alice,
        admitted_on=D(2024, 1, 8),
        admission_decision="CA 2024-01",
        actor=administrator(),
    )
    again = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Usagers"),
        member=alice,
        admitted_on=D(2024, 2, 8),
        admission_decision="CA 2024-02",
        actor=administrator(),
    )

    assert again.pk == first.pk
    assert Shareholder.objects.count() == 1
    assert list(Shareholder.objects.values_list("college__name", "admitted_on", "admission_decision", "status")) == [
        ("Salariés", D(2024, 1, 8), "CA 2024-01", "admitted")
    ]


def test_a_legal_person_is_admitted_by_its_siren_once(make_member):
    cooperative = found_scic()

    commune = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Collectivités"),
        legal_name="CC du Pays des Achards",
        siren="248 500 530",
        actor=administrator(),
    )
    again = shareholder_admit(
        cooperative=cooperative,
        college=college(cooperative, "Collectivités"),
        legal_name="Communauté de communes",
        siren=CC_ACHARDS,
        actor=administrator(),
    )

    assert again.pk == commune.pk
    assert list(Shareholder.objects.values_list("legal_name", "siren", "member")) == [
        ("CC du Pays des Achards", CC_ACHARDS, None)
    ]


@pytest.mark.parametrize(
    ("legal_name", "siren", "fields"),
    [
        (
            "Mairie de Martinet",
            "248500531",
            {"siren": ["This SIREN has a wrong check digit: please check for a typo."]},
        ),
        ("Mairie de Martinet", "", {"siren": ["This is not a valid SIREN."]}),
        ("", CC_ACHARDS, {"legal_name": ["This field is required."]}),
    ],
)
def test_a_legal_person_needs_a_name_and_a_valid_siren(legal_name, siren, fields):
    cooperative = found_scic()

    with refused(cooperative, "invalid", fields=fields):
        shareholder_admit(
            cooperative=cooperative,
            college=college(cooperative, "Collectivités"),
            legal_name=legal_name,
            siren=siren,
            actor=administrator(),
        )

    assert Shareholder.objects.count() == 0


def test_an_admission_is_either_a_member_or_a_legal_person_into_one_of_the_cooperatives_colleges(make_member):
    cooperative = found_scic()
    elsewhere = found_scic(siren=CC_ACHARDS)
    alice = make_member(username="alice")

    with refused(cooperative, "invalid", "Admit either a member or a legal person, not both."):
        shareholder_admit(
            cooperative=cooperative,
            college=college(cooperative, "Usagers"),
            member=alice,
            legal_name="Alice SARL",
            siren=SIREN,
            actor=administrator(),
        )
    with refused(cooperative, "invalid", fields={"college": ["This college is not this cooperative's."]}):
        shareholder_admit(
            cooperative=cooperative, college=college(elsewhere, "Usagers"), member=alice, actor=administrator()
        )
    assert Shareholder.objects.count() == 0
