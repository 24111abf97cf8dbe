"""The demo's people: the nine communes, the residents, businesses and associations, their
identity numbers, and the membership fees a few of them pay ahead.

Members join through the membership services and are brought up to date through the members
services; running it again adds nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from stdnum import iban, luhn

from core.errors import ApplicationError
from members.models import Commune, Member
from members.services import member_update
from membership.models import MembershipPayment
from membership.services import member_join, membership_renew

DEMO_PASSWORD = "bocage-demo"
ADMIN_PASSWORD = "bocage-admin"
HISTORY_DAYS = 182
SEED = 20261125  # the same community and the same story every time


# The nine communes of the CC du Pays des Achards (members' migration 0003 creates them; a
# flushed database may not have them).
COMMUNES = {
    "Les Achards": "85150",
    "La Chapelle-Hermier": "85220",
    "Le Girouard": "85150",
    "Martinet": "85150",
    "Nieul-le-Dolent": "85430",
    "Sainte-Flaive-des-Loups": "85150",
    "Saint-Georges-de-Pointindoux": "85150",
    "Saint-Julien-des-Landes": "85150",
    "Beaulieu-sous-la-Roche": "85190",
}


@dataclass(frozen=True)
class DemoMember:
    username: str
    display_name: str
    kind: str
    commune: str
    activity: str = ""
    address: str = ""
    phone: str = ""
    website: str = ""
    description: str = ""
    rna: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def in_directory(self) -> bool:
        return self.kind != Member.Kind.INDIVIDUAL


I = Member.Kind.INDIVIDUAL  # noqa: E741 — short aliases keep the tables below readable
B = Member.Kind.BUSINESS
A = Member.Kind.ASSOCIATION

INDIVIDUALS = [
    DemoMember("camille", "Camille Rousseau", I, "Les Achards"),
    DemoMember("louis", "Louis Gaborit", I, "La Chapelle-Hermier"),
    DemoMember("manon", "Manon Bethuis", I, "Le Girouard"),
    DemoMember("hugo", "Hugo Pacaud", I, "Martinet"),
    DemoMember("lea", "Léa Chauvet", I, "Nieul-le-Dolent"),
    DemoMember("jules", "Jules Renaudin", I, "Sainte-Flaive-des-Loups"),
    DemoMember("chloe", "Chloé Mornet", I, "Saint-Georges-de-Pointindoux"),
    DemoMember("paul", "Paul Girard", I, "Saint-Julien-des-Landes"),
    DemoMember("ines", "Inès Bonnin", I, "Beaulieu-sous-la-Roche"),
    DemoMember("gabriel", "Gabriel Martineau", I, "Les Achards"),
    DemoMember("jade", "Jade Guilbaud", I, "Les Achards"),
    DemoMember("arthur", "Arthur Boisseau", I, "Les Achards"),
    DemoMember("louise", "Louise Rabaud", I, "La Chapelle-Hermier"),
    DemoMember("raphael", "Raphaël Tessier", I, "Le Girouard"),
    DemoMember("emma", "Emma Brochard", I, "Martinet"),
    DemoMember("adam", "Adam Gouraud", I, "Nieul-le-Dolent"),
    DemoMember("alice", "Alice Mercier", I, "Nieul-le-Dolent"),
    DemoMember("maelys", "Maëlys Charrier", I, "Sainte-Flaive-des-Loups"),
    DemoMember("nathan", "Nathan Bouron", I, "Saint-Georges-de-Pointindoux"),
    DemoMember("rose", "Rose Fradet", I, "Saint-Julien-des-Landes"),
    DemoMember("tom", "Tom Verdon", I, "Beaulieu-sous-la-Roche"),
    DemoMember("zoe", "Zoé Billaud", I, "Beaulieu-sous-la-Roche"),
    DemoMember("marius", "Marius Herbreteau", I, "Les Achards"),
    DemoMember("lina", "Lina Roy", I, "Saint-Julien-des-Landes"),
    DemoMember("victor", "Victor Bernard", I, "La Chapelle-Hermier"),
    DemoMember("anna", "Anna Durand-Cougnaud", I, "Sainte-Flaive-des-Loups"),
]

ORGANISATIONS = [
    DemoMember(
        "boulangerie",
        "Boulangerie du Martinet",
        B,
        "Martinet",
        "Boulangerie",
        "3 place de l'Église",
        "02 51 00 10 01",
        "https://boulangerie-du-martinet.example",
        "Pains au levain, brioche vendéenne et gâche le dimanche matin.",
    ),
    DemoMember(
        "cowork",
        "Le Cowork des Achards",
        B,
        "Les Achards",
        "Coworking",
        "14 rue Georges-Clemenceau",
        "02 51 00 10 02",
        "https://cowork-achards.example",
        "Tiers-lieu : bureaux partagés, salle de réunion, café. Comptoir de change du lundi au vendredi.",
    ),
    DemoMember(
        "jardins",
        "Les Jardins du Girouard",
        B,
        "Le Girouard",
        "Maraîchage",
        "La Noue",
        "02 51 00 10 03",
        "",
        "Légumes de saison en agriculture biologique, paniers le vendredi.",
    ),
    DemoMember(
        "cafe",
        "Le Café des Landes",
        A,
        "Saint-Julien-des-Landes",
        "Café associatif",
        "1 rue du Lac",
        "02 51 00 10 04",
        "https://cafe-des-landes.example",
        "Café, jeux et concerts, tenu par des bénévoles.",
        rna="W853001017",
    ),
    DemoMember(
        "garage",
        "Garage Pacaud",
        B,
        "Sainte-Flaive-des-Loups",
        "Garage automobile",
        "22 route de La Mothe",
        "02 51 00 10 05",
        "",
        "Entretien et réparation toutes marques.",
    ),
    DemoMember(
        "librairie",
        "Librairie La Page Blanche",
        B,
        "Les Achards",
        "Librairie",
        "5 rue du Commerce",
        "02 51 00 10 06",
        "https://page-blanche.example",
        "Romans, jeunesse, bandes dessinées, régionalisme.",
    ),
    DemoMember(
        "coiffure",
        "Salon Coup d'Œil",
        B,
        "Nieul-le-Dolent",
        "Coiffure",
        "8 rue de la Mairie",
        "02 51 00 10 07",
        "",
        "Coiffure femmes, hommes et enfants, sur rendez-vous.",
    ),
    DemoMember(
        "brasserie",
        "Brasserie de la Chapelle",
        B,
        "La Chapelle-Hermier",
        "Brasserie artisanale",
        "ZA du Jaunay",
        "02 51 00 10 08",
        "https://brasserie-chapelle.example",
        "Bières artisanales brassées au bord du Jaunay.",
    ),
    DemoMember(
        "menuiserie",
        "Menuiserie Bonnin",
        B,
        "Saint-Georges-de-Pointindoux",
        "Menuiserie",
        "La Guérinière",
        "02 51 00 10 09",
        "",
        "Menuiserie bois, agencement, escaliers.",
    ),
    DemoMember(
        "panier",
        "Le Panier Fermier",
        B,
        "Beaulieu-sous-la-Roche",
        "Magasin de producteurs",
        "2 place de l'Église",
        "02 51 00 10 10",
        "https://panier-fermier.example",
        "Produits de quinze fermes du canton. Comptoir de change aux heures d'ouverture.",
    ),
    DemoMember(
        "velo",
        "L'Atelier Vélo",
        B,
        "Les Achards",
        "Réparation de vélos",
        "7 rue des Sports",
        "02 51 00 10 11",
        "",
        "Réparation, vente de vélos d'occasion, ateliers d'autoréparation.",
    ),
    DemoMember(
        "epicerie",
        "Épicerie Chez Rose",
        B,
        "Nieul-le-Dolent",
        "Épicerie",
        "12 rue Nationale",
        "02 51 00 10 12",
        "",
        "Épicerie de village, produits locaux et vrac.",
    ),
    DemoMember(
        "pizzeria",
        "La Pizza du Girouard",
        B,
        "Le Girouard",
        "Restauration",
        "1 route des Achards",
        "02 51 00 10 13",
        "",
        "Pizzas au feu de bois, farine du moulin voisin.",
    ),
    DemoMember(
        "laruche",
        "Association La Ruche",
        A,
        "Les Achards",
        "Fablab",
        "14 rue Georges-Clemenceau",
        "02 51 00 10 14",
        "https://laruche-fablab.example",
        "Fablab : impression 3D, découpe laser, repair café.",
        rna="W853001234",
    ),
]
DEMO_MEMBERS = [*INDIVIDUALS, *ORGANISATIONS]
BUSINESSES = [m.username for m in ORGANISATIONS if m.kind == B]
SHOPPERS = [m.username for m in INDIVIDUALS]


# --- identity numbers that pass their check digits -------------------------------------------


def demo_siren(rng: random.Random) -> str:
    body = f"{rng.randint(30_000_000, 99_999_999)}"
    return body + luhn.calc_check_digit(body)


def demo_siret(siren: str, establishment: int = 1) -> str:
    body = f"{siren}{establishment:04d}"
    return body + luhn.calc_check_digit(body)


def demo_iban(rng: random.Random) -> str:
    """A French IBAN: bank (5) branch (5) account (11) RIB key (2), then the IBAN check digits."""
    bank, branch, account = rng.randint(10_000, 99_999), rng.randint(10_000, 99_999), rng.randint(10**9, 10**11 - 1)
    rib_key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    bban = f"{bank:05d}{branch:05d}{account:011d}{rib_key:02d}"
    return f"FR{iban.calc_check_digits('FR00' + bban)}{bban}"


# --- members -----------------------------------------------------------------------------------


def seed_members(*, admin: Any, now: datetime.datetime, password: str | None) -> None:
    """Create the missing members; bring older demo members up to date (communes, directory).

    New members' logins get `password` (None: an unusable one)."""
    user_model = get_user_model()
    communes = {
        name: Commune.objects.get_or_create(name=name, defaults={"postal_code": postal_code})[0]
        for name, postal_code in COMMUNES.items()
    }
    rng = random.Random(SEED)
    existing = dict(
        Member.objects.filter(user__username__in=[m.username for m in DEMO_MEMBERS]).values_list("user__username", "pk")
    )
    created = []
    for demo in DEMO_MEMBERS:
        identity = {"iban": demo_iban(rng)}
        if demo.kind != I:
            siren = demo_siren(rng)
            identity |= {"siren": siren, "siret": demo_siret(siren)}
        if demo.rna:
            identity["rna"] = demo.rna
        joined = (now - datetime.timedelta(days=HISTORY_DAYS + rng.randint(0, 120))).date()
        details = {
            "display_name": demo.display_name,
            "commune": communes.get(demo.commune),
            "address": demo.address,
            "phone": demo.phone,
            "activity": demo.activity,
            "in_directory": demo.in_directory,
        }
        if demo.username not in existing:
            member = member_join(
                actor=admin,
                username=demo.username,
                # Hashed once for everyone below: forty key derivations would take most of a minute.
                password=None,
                display_name=demo.display_name,
                kind=demo.kind,
                email=f"{demo.username}@bocage.localhost",
                commune=communes.get(demo.commune),
                address=demo.address,
                phone=demo.phone,
                activity=demo.activity,
                in_directory=demo.in_directory,
                membership_starts_on=joined,
                **identity,
            )
            created.append(member.user_id)
        else:
            member = Member.objects.get(pk=existing[demo.username])
        wanted = {**details, "website": demo.website, "description": demo.description}
        # The demo's places are shops open to the public: their address and phone are shown in the
        # directory (a real member chooses on their profile; both are hidden by default).
        wanted |= {"directory_shows_address": demo.in_directory, "directory_shows_phone": demo.in_directory}
        if demo.username in existing:
            # Older demo data: fill in what this version adds, identity numbers only where blank.
            wanted |= {name: value for name, value in identity.items() if not getattr(member, name)}
        changes = {name: value for name, value in wanted.items() if getattr(member, name) != value}
        if changes:
            member_update(member=member, actor=admin, **changes)
    if created:
        user_model.objects.filter(pk__in=created).update(password=make_password(password))


def members_by_username() -> dict[str, Member]:
    """Every member, by login: the stories look their actors up here."""
    return {m.user.username: m for m in Member.objects.select_related("user")}


def seed_membership_fees(*, admin: Any, members: dict[str, Member]) -> None:
    """A few members pay next year's membership already: businesses in euros, residents in ACH."""
    payers = [(username, "EUR") for username in BUSINESSES[:6]] + [(u, "ACH") for u in SHOPPERS[:6]]
    for username, unit in payers:
        member = members[username]
        if MembershipPayment.objects.filter(member=member).exists():
            continue
        with contextlib.suppress(ApplicationError):
            membership_renew(member=member, unit=unit, actor=admin)
