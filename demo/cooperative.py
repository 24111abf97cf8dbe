"""Demo cooperative for `seed_demo`: the SCIC that runs the tiers-lieux, founded a year ago.

Written through the services with dated movements, as the board's secretary would have recorded
them: founders' subscriptions, users' subscriptions, one cession, one redemption after the
lock-up, and requests waiting for the board.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from djmoney.money import Money

from cooperative.models import Cooperative
from cooperative.services.register import share_transfer
from cooperative.services.requests import (
    redemption_request_approve,
    redemption_request_create,
    redemption_request_pay,
    share_subscribe,
    subscription_request_create,
)
from cooperative.services.setup import colleges_define, cooperative_create, share_class_create, shareholder_admit
from members.models import Commune, Member

# The SIREN of the demo SCIC (a valid check digit; not a real company).
DEMO_SIREN = "732829320"

FOUNDERS = [  # (username, college, class, shares)
    ("cowork", "Salariés et porteurs de projet", "A", 10),
    ("laruche", "Associations et bénévoles", "A", 5),
    ("brasserie", "Partenaires", "A", 5),
    ("menuiserie", "Partenaires", "A", 3),
]
USERS = [
    ("camille", "Usagers", "B", 5),
    ("louis", "Usagers", "B", 2),
    ("manon", "Usagers", "B", 10),
    ("alice", "Usagers", "B", 3),
    ("jules", "Associations et bénévoles", "B", 2),
]


def seed_cooperative(*, admin: Any, now: datetime.datetime | None = None) -> None:
    """Create the demo SCIC once (nothing happens if it exists)."""
    if Cooperative.objects.filter(siren=DEMO_SIREN).exists():
        return
    today = timezone.localdate(now or timezone.now())
    members = {member.user.username: member for member in Member.objects.select_related("user")}
    coop = cooperative_create(
        name="SCIC Les Tiers-Lieux des Achards",
        legal_form=Cooperative.LegalForm.SCIC,
        siren=DEMO_SIREN,
        seat_address="2 rue Michel-Breton, 85150 Les Achards",
        commune=Commune.objects.filter(name="Les Achards").first(),
        min_shares_per_member=1,
        max_shares_per_member=100,
        lockup_months=6,
        redemption_delay_months=1,
        board_approval_required=True,
        capital_floor=Money("500", "EUR"),
        actor=admin,
    )
    classes = {
        "A": share_class_create(
            cooperative=coop, code="A", name="Fondateurs", nominal_value=Money("100", "EUR"), actor=admin
        ),
        "B": share_class_create(
            cooperative=coop, code="B", name="Usagers", nominal_value=Money("20", "EUR"), actor=admin
        ),
    }
    colleges = {
        college.name: college
        for college in colleges_define(
            cooperative=coop,
            colleges=[
                {"name": "Salariés et porteurs de projet", "weight": 30},
                {"name": "Usagers", "weight": 30},
                {"name": "Associations et bénévoles", "weight": 20},
                {"name": "Partenaires", "weight": 10},
                {"name": "Collectivités", "weight": 10},
            ],
            actor=admin,
        )
    }
    founded = today - datetime.timedelta(days=365)
    holders = {}
    for index, (username, college, code, shares) in enumerate([*FOUNDERS, *USERS]):
        day = founded + datetime.timedelta(days=0 if index < len(FOUNDERS) else 30 + 20 * index)
        decision = "CA du " + day.strftime("%d/%m/%Y")
        holder = shareholder_admit(
            cooperative=coop,
            college=colleges[college],
            member=members[username],
            admitted_on=day,
            admission_decision=decision,
            actor=admin,
        )
        share_subscribe(
            cooperative=coop,
            shareholder=holder,
            share_class=classes[code],
            quantity=shares,
            board_decision=decision,
            paid_on=day,
            actor=admin,
        )
        holders[username] = holder
    # A public body joins as a legal person (the community of communes, by its SIREN).
    public = shareholder_admit(
        cooperative=coop,
        college=colleges["Collectivités"],
        legal_name="Communauté de communes du Pays des Achards",
        siren="248500530",
        address="2 rue Michel-Breton, 85150 Les Achards",
        admitted_on=founded + datetime.timedelta(days=250),
        admission_decision="CA du " + (founded + datetime.timedelta(days=250)).strftime("%d/%m/%Y"),
        actor=admin,
    )
    share_subscribe(
        cooperative=coop,
        shareholder=public,
        share_class=classes["A"],
        quantity=20,
        board_decision="Délibération communautaire 2026-045",
        paid_on=founded + datetime.timedelta(days=250),
        actor=admin,
    )
    share_transfer(
        cooperative=coop,
        from_shareholder=holders["manon"],
        to_shareholder=holders["alice"],
        share_class=classes["B"],
        quantity=2,
        board_decision="CA du " + (founded + datetime.timedelta(days=280)).strftime("%d/%m/%Y"),
        effective_on=founded + datetime.timedelta(days=280),
        actor=admin,
    )
    redemption = redemption_request_create(
        shareholder=holders["louis"], share_class=classes["B"], quantity=2, actor=members["louis"].user
    )
    approved_on = today - datetime.timedelta(days=45)
    redemption = redemption_request_approve(
        request=redemption, board_decision="CA du " + approved_on.strftime("%d/%m/%Y"), on=approved_on, actor=admin
    )
    redemption_request_pay(request=redemption, paid_on=today - datetime.timedelta(days=10), actor=admin)
    # Waiting for the board: a newcomer's request and a shareholder's top-up.
    subscription_request_create(
        cooperative=coop,
        share_class=classes["B"],
        quantity=4,
        college=colleges["Usagers"],
        actor=members["hugo"].user,
    )
    subscription_request_create(cooperative=coop, share_class=classes["B"], quantity=5, actor=members["camille"].user)
