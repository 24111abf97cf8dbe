"""A cooperative founded through the services, as its administrators would."""

from __future__ import annotations

from typing import Any

from cooperative.models import College, Cooperative, ShareClass, Shareholder
from cooperative.services.requests import share_subscribe
from cooperative.services.setup import shareholder_admit
from members.models import Member
from tests.factories import SIREN as SIREN  # the cooperative tests import these from here
from tests.factories import CooperativeFactory
from tests.factories import administrator as administrator


def found_scic(**rules: Any) -> Cooperative:
    """SCIC Les Tiers-Lieux des Achards: classes A (100 €) and B (20 €), three colleges 40/30/30."""
    return CooperativeFactory(**rules)


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
