"""A cooperative founded through the services, as its administrators would."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from djmoney.money import Money

from cooperative.models import College, Cooperative, ShareClass, Shareholder
from cooperative.services.requests import share_subscribe
from cooperative.services.setup import colleges_define, cooperative_create, share_class_create, shareholder_admit
from members.models import Member

# A valid SIREN (check digit) for the tiers-lieux cooperative of the demo.
SIREN = "732829320"


def administrator() -> User:
    user = User.objects.filter(username="secretaire").first()
    return user or User.objects.create_user(
        username="secretaire", password="bocage-test-password-1", is_staff=True, email="ca@bocage.test"
    )


def found_scic(**rules: Any) -> Cooperative:
    """SCIC Les Tiers-Lieux des Achards: classes A (100 €) and B (20 €), three colleges 40/30/30."""
    admin = administrator()
    cooperative = cooperative_create(
        name="SCIC Les Tiers-Lieux des Achards",
        legal_form=Cooperative.LegalForm.SCIC,
        siren=rules.pop("siren", SIREN),
        seat_address="2 rue Michel-Breton, 85150 Les Achards",
        actor=admin,
        **rules,
    )
    share_class_create(
        cooperative=cooperative, code="A", name="Fondateurs", nominal_value=Money("100", "EUR"), actor=admin
    )
    share_class_create(cooperative=cooperative, code="B", name="Usagers", nominal_value=Money("20", "EUR"), actor=admin)
    colleges_define(
        cooperative=cooperative,
        colleges=[
            {"name": "Salariés", "weight": 40},
            {"name": "Usagers", "weight": 30},
            {"name": "Collectivités", "weight": 30},
        ],
        actor=admin,
    )
    return cooperative


def share_class(cooperative: Cooperative, code: str) -> ShareClass:
    return cooperative.share_classes.get(code=code)


def college(cooperative: Cooperative, name: str) -> College:
    return cooperative.colleges.get(name=name)


def shareholder_with_shares(cooperative: Cooperative, member: Member, *, quantity: int = 3) -> Shareholder:
    """`member` admitted to the Usagers college, holding `quantity` class-B shares (board decision "CA")."""
    admin = administrator()
    holder = shareholder_admit(
        cooperative=cooperative, college=college(cooperative, "Usagers"), member=member, actor=admin
    )
    share_subscribe(
        cooperative=cooperative,
        shareholder=holder,
        share_class=share_class(cooperative, "B"),
        quantity=quantity,
        board_decision="CA",
        actor=admin,
    )
    return holder
