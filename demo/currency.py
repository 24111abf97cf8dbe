"""The demo's local currency: the two exchange offices (comptoirs) and their staff, what the
residents buy from the businesses and the businesses from each other, conversions of euros into
ACH, and two reconversions back into euros (one paid by a SEPA file, one waiting for approval).

Everything goes through currency's services, as a comptoir's staff or a business would.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django.contrib.auth import get_user_model
from djmoney.money import Money

from core.errors import ApplicationError
from currency.models import Comptoir, Reconversion
from currency.services.conversions import conversion_create
from currency.services.reconversions import reconversion_approve, reconversion_request, sepa_export_create
from members.models import Commune, Member

# (comptoir name, commune, address, staff username)
COMPTOIRS = [
    ("Comptoir du Cowork des Achards", "Les Achards", "14 rue Georges-Clemenceau, 85150 Les Achards", "comptoir1"),
    (
        "Comptoir du Panier Fermier",
        "Beaulieu-sous-la-Roche",
        "2 place de l'Église, 85190 Beaulieu-sous-la-Roche",
        "comptoir2",
    ),
]

# What the residents buy from each business (the memos of their payments).
PURCHASES = {
    "boulangerie": ["Pain et viennoiseries", "Gâche vendéenne", "Baguettes"],
    "cowork": ["Journée de coworking", "Salle de réunion", "Café au tiers-lieu"],
    "jardins": ["Panier de légumes", "Légumes du marché"],
    "garage": ["Vidange", "Changement de pneus"],
    "librairie": ["Livres", "Bande dessinée"],
    "coiffure": ["Coupe", "Coupe enfant"],
    "brasserie": ["Bières", "Fût pour une fête"],
    "menuiserie": ["Étagère sur mesure", "Réparation de volet"],
    "panier": ["Courses au magasin de producteurs", "Fromages et volailles"],
    "velo": ["Révision du vélo", "Chambre à air"],
    "epicerie": ["Courses", "Vrac"],
    "pizzeria": ["Pizzas à emporter", "Repas en famille"],
}
# Businesses buy from each other too: (payer, payee, memo).
SUPPLIES = [
    ("boulangerie", "panier", "Œufs et beurre"),
    ("pizzeria", "jardins", "Légumes pour les pizzas"),
    ("cowork", "boulangerie", "Viennoiseries pour le café"),
    ("epicerie", "brasserie", "Bières pour l'épicerie"),
    ("cowork", "menuiserie", "Mobilier du coworking"),
    ("panier", "garage", "Entretien de la camionnette"),
]


def seed_comptoirs(*, password: str | None) -> list[Comptoir]:
    """The comptoirs and their staff logins (a new login gets `password`; None: an unusable one)."""
    user_model = get_user_model()
    comptoirs = []
    for name, commune_name, address, username in COMPTOIRS:
        comptoir, _created = Comptoir.objects.get_or_create(
            name=name, defaults={"commune": Commune.objects.get(name=commune_name), "address": address}
        )
        staff = user_model.objects.filter(username=username).first()
        if staff is None:
            staff = user_model.objects.create_user(username, f"{username}@bocage.localhost", password)
        if not comptoir.staff.filter(pk=staff.pk).exists():
            comptoir.staff.add(staff)
        comptoirs.append(comptoir)
    return comptoirs


def convert(*, comptoir: Comptoir, member: Member, euros: Money, staff: Any, key: str, at: datetime.datetime) -> None:
    """A member changes euros into ACH at a comptoir; the amount decides how they pay."""
    conversion_create(
        comptoir=comptoir,
        member=member,
        amount=euros,
        payment_method=("cash", "cheque", "card")[int(euros.amount) % 3],
        actor=staff,
        idempotency_key=key,
        at=at,
    )


def seed_reconversions(*, admin: Any, members: dict[str, Member]) -> None:
    """Two businesses turn ACH back into euros: one paid by a SEPA file, one waiting for approval."""
    if Reconversion.objects.exists():
        return
    for username, euros, approve in [("jardins", "40.00", True), ("boulangerie", "25.00", False)]:
        member = members[username]
        with contextlib.suppress(ApplicationError):
            request = reconversion_request(member=member, amount=Money(euros, "ACH"), actor=member.user)
            if approve:
                reconversion_approve(reconversion=request, actor=admin)
    with contextlib.suppress(ApplicationError):
        sepa_export_create(actor=admin)
