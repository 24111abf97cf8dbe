"""The demo's SEL marketplace: offers and wants, and one exchange carried through to a review.

Everything goes through exchange's services, as the members would. The story (demo/story.py)
records the other SEL trades in grains through the ledger's services.
"""

from __future__ import annotations

import contextlib
import datetime

from djmoney.money import Money

from core.errors import ApplicationError
from exchange.models import Category, Listing
from exchange.services import exchanges as trades
from exchange.services import reviews
from exchange.services.listings import listing_create
from members.models import Member

# The SEL marketplace: (author, kind, category slug, title, description, price or None).
MARKETPLACE: list[tuple[str, str, str, str, str, tuple[str, str] | None]] = [
    (
        "jardins",
        "offer",
        "fruits-legumes",
        "Panier de légumes de saison",
        "Un panier garni chaque semaine.",
        ("15", "GRN"),
    ),
    ("louis", "offer", "reparation-velos", "Réparation de vélos", "Crevaison, freins, dérailleur.", ("1", "HRS")),
    ("manon", "offer", "cours-musique", "Cours de guitare débutant", "Une heure chez moi ou chez vous.", ("1", "HRS")),
    ("hugo", "want", "demenagement", "Aide pour un déménagement", "Deux bras le samedi 12.", ("3", "HRS")),
    ("lea", "offer", "outils-jardin", "Prêt d'une motobineuse", "À venir chercher à Nieul-le-Dolent.", None),
    (
        "cowork",
        "offer",
        "bureaux-coworking",
        "Poste en coworking à la journée",
        "Wifi, café, imprimante.",
        ("12", "ACH"),
    ),
    ("jules", "want", "depannage-informatique", "Installer une imprimante", "Sous Linux, si possible.", ("1", "HRS")),
    ("chloe", "offer", "conserves-confitures", "Confitures maison", "Fraise, abricot, figue.", ("6", "GRN")),
]


def seed_marketplace(*, members: dict[str, Member], now: datetime.datetime) -> None:
    """Offers and wants in the SEL, and one exchange carried through to a review."""
    if Listing.objects.exists():
        return
    expires = now.date() + datetime.timedelta(days=60)
    listings = {}
    for username, kind, slug, title, description, price in MARKETPLACE:
        member = members[username]
        listings[title] = listing_create(
            actor=member.user,
            kind=kind,
            title=title,
            description=description,
            category=Category.objects.get(slug=slug),
            commune=member.commune,
            price=Money(*price) if price else None,
            availability="Le week-end" if kind == "offer" else "",
            expires_on=expires,
        )
    basket = listings["Panier de légumes de saison"]
    buyer = members["camille"]
    with contextlib.suppress(ApplicationError):
        trade = trades.exchange_propose(
            listing=basket, proposer=buyer, amount=None, message="Pour samedi ?", actor=buyer.user
        )
        seller = basket.author.user
        trade = trades.exchange_accept(exchange=trade, actor=seller)
        trade = trades.exchange_deliver(exchange=trade, actor=seller)
        trade = trades.exchange_confirm(exchange=trade, actor=buyer.user)
        reviews.review_create(exchange=trade, rating=5, comment="Légumes superbes, merci !", actor=buyer.user)
