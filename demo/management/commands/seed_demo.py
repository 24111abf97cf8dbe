"""Grow the demo community of the Pays des Achards. Idempotent: running it again adds nothing.

About forty members across the nine communes, a dozen businesses in the public directory, two
exchange offices (comptoirs) with their staff, and six months of history: conversions of euros
into ACH, purchases from local businesses, hours in the time bank, SEL trades in grains, and a
few membership fees. Everything goes through the services, as a user would reach it.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from djmoney.money import Money
from stdnum import iban, luhn

from core.errors import ApplicationError
from ledger import services
from ledger.models import Account, Hold
from members.models import Commune, Member
from members.services import member_update
from membership.models import MembershipPayment
from membership.services import member_join, membership_renew

DEMO_PASSWORD = "bocage-demo"
ADMIN_PASSWORD = "bocage-admin"
# The story's last write; once it exists the story has been told and is not told again.
STORY_DONE_KEY = "demo:v2:story-told"
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
TIME_BANK = [*SHOPPERS, "laruche", "cafe"]

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

SERVICES = [
    "Tonte de pelouse",
    "Aide informatique",
    "Cours de guitare",
    "Covoiturage vers La Roche-sur-Yon",
    "Réparation de vélo",
    "Garde de poules",
    "Couture d'un ourlet",
    "Aide au déménagement",
    "Garde d'enfants",
    "Taille de haie",
    "Aide aux devoirs",
    "Cuisine pour un repas de quartier",
]
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


# --- the story, as a list of dated events ------------------------------------------------------


@dataclass(frozen=True)
class Event:
    at: datetime.datetime
    kind: str  # conversion, payment, hours, grains
    key: str
    payer: str  # username (for a conversion: the member converting)
    payee: str = ""  # username, or the comptoir index for a conversion
    amount: Decimal = Decimal(0)
    memo: str = ""


def _moment(rng: random.Random, start: datetime.datetime, days: float) -> datetime.datetime:
    day = start + datetime.timedelta(days=days)
    local = timezone.localtime(day).replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59), second=0, microsecond=0)
    return local


def story_events(*, now: datetime.datetime, rng: random.Random) -> list[Event]:
    """Six months of life in the community, oldest first (the same list on every run)."""
    start = now - datetime.timedelta(days=HISTORY_DAYS)
    events: list[Event] = []
    for index, username in enumerate(SHOPPERS):
        # Each resident changes euros two to four times, the first time within their first weeks.
        times = sorted([rng.uniform(0, 30), *(rng.uniform(30, HISTORY_DAYS - 2) for _ in range(rng.randint(1, 3)))])
        for number, days in enumerate(times):
            euros = Decimal(rng.choice([20, 30, 50, 50, 80, 100, 120, 150]))
            events.append(
                Event(
                    _moment(rng, start, days),
                    "conversion",
                    f"demo:conversion:{index}:{number}",
                    username,
                    str(rng.randrange(len(COMPTOIRS))),
                    euros,
                )
            )
    for index in range(220):
        payee = rng.choice(BUSINESSES)
        amount = Decimal(rng.randint(250, 4500)) / 100
        events.append(
            Event(
                _moment(rng, start, rng.uniform(3, HISTORY_DAYS - 1)),
                "payment",
                f"demo:payment:{index}",
                rng.choice(SHOPPERS),
                payee,
                amount,
                rng.choice(PURCHASES[payee]),
            )
        )
    for index in range(36):
        payer, payee, memo = rng.choice(SUPPLIES)
        amount = Decimal(rng.randint(1500, 12000)) / 100
        events.append(
            Event(
                _moment(rng, start, rng.uniform(20, HISTORY_DAYS - 1)),
                "payment",
                f"demo:supply:{index}",
                payer,
                payee,
                amount,
                memo,
            )
        )
    for index in range(110):
        provider, receiver = rng.sample(TIME_BANK, 2)
        hours = Decimal(rng.choice([50, 100, 100, 150, 200, 300])) / 100
        events.append(
            Event(
                _moment(rng, start, rng.uniform(0, HISTORY_DAYS - 1)),
                "hours",
                f"demo:hours:{index}",
                receiver,
                provider,
                hours,
                rng.choice(SERVICES),
            )
        )
    for index in range(50):
        buyer, seller = rng.sample(SHOPPERS, 2)
        grains = Decimal(rng.randint(5, 60))
        events.append(
            Event(
                _moment(rng, start, rng.uniform(0, HISTORY_DAYS - 1)),
                "grains",
                f"demo:grains:{index}",
                buyer,
                seller,
                grains,
                "Échange SEL",
            )
        )
    return sorted(events, key=lambda event: (event.at, event.key))


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


class Command(BaseCommand):
    help = "Load the demo community (members, comptoirs, six months of history). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo although DEBUG is off. Its logins then get no known password: the "
            "administrator a random one printed once, every other one none.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The README's passwords are public: they may exist only in the embedded demo (DEBUG on). A
        # deployment that loaded them would hand its superuser to whoever read the README first.
        self.embedded = bool(settings.DEBUG)
        if not self.embedded and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: this looks like a production deployment, and seed_demo fills it with a "
                "fictitious community. Pass --allow-production to load it anyway (its logins get no "
                "known password)."
            )
        user_model = get_user_model()
        admin_password = ADMIN_PASSWORD if self.embedded else secrets.token_urlsafe(18)
        new_admin = not user_model.objects.filter(username="admin").exists()
        if new_admin:
            user_model.objects.create_superuser("admin", "admin@bocage.localhost", admin_password)
        if not user_model.objects.filter(username="auditrice").exists():
            auditor = user_model.objects.create_user("auditrice", "audit@bocage.localhost", self._password())
            auditor.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
        admin = user_model.objects.get(username="admin")
        now = timezone.now()

        self._members(admin, now)
        comptoirs = self._comptoirs()
        if not Hold.objects.filter(idempotency_key=STORY_DONE_KEY).exists():
            self._story(admin, comptoirs, now)
        # Demo campaigns (once): the app that owns them writes them through its own services.
        from demo.cooperative import seed_cooperative
        from demo.crowdfunding import seed_campaigns

        seed_campaigns(admin=admin, now=now)
        seed_cooperative(admin=admin, now=now)

        self.stdout.write(self.style.SUCCESS("Demo community ready."))
        if not self.embedded:
            self._forget_known_passwords()
            self.stdout.write("  The demo logins have no password; give one with `manage.py changepassword NAME`.")
            if new_admin:
                self.stdout.write(f"  Administrator: admin / {admin_password}  (shown once: note it now)")
            return
        self.stdout.write(f"  Residents (password {DEMO_PASSWORD!r}): " + ", ".join(SHOPPERS))
        self.stdout.write(
            "  Businesses and associations (same password): " + ", ".join(m.username for m in ORGANISATIONS)
        )
        self.stdout.write("  Exchange offices (same password): " + ", ".join(f"{c[3]} ({c[0]})" for c in COMPTOIRS))
        self.stdout.write(f"  Auditor: auditrice / {DEMO_PASSWORD}   Administrator: admin / {ADMIN_PASSWORD}")

    # --- members and comptoirs -----------------------------------------------------------------

    def _members(self, admin: Any, now: datetime.datetime) -> None:
        """Create the missing members; bring older demo members up to date (communes, directory)."""
        user_model = get_user_model()
        communes = {
            name: Commune.objects.get_or_create(name=name, defaults={"postal_code": postal_code})[0]
            for name, postal_code in COMMUNES.items()
        }
        rng = random.Random(SEED)
        existing = dict(
            Member.objects.filter(user__username__in=[m.username for m in DEMO_MEMBERS]).values_list(
                "user__username", "pk"
            )
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
            if demo.username in existing:
                # Older demo data: fill in what this version adds, identity numbers only where blank.
                wanted |= {name: value for name, value in identity.items() if not getattr(member, name)}
            changes = {name: value for name, value in wanted.items() if getattr(member, name) != value}
            if changes:
                member_update(member=member, actor=admin, **changes)
        if created:
            user_model.objects.filter(pk__in=created).update(password=make_password(self._password()))

    def _password(self) -> str | None:
        """The README's demo password in the embedded demo; elsewhere none (an unusable password)."""
        return DEMO_PASSWORD if self.embedded else None

    def _forget_known_passwords(self) -> None:
        """Outside the embedded demo, a login left with the README's password (a database first
        seeded with DEBUG on) loses it."""
        usernames = ["admin", "auditrice", *(c[3] for c in COMPTOIRS), *(m.username for m in DEMO_MEMBERS)]
        for user in get_user_model().objects.filter(username__in=usernames):
            if user.check_password(DEMO_PASSWORD) or user.check_password(ADMIN_PASSWORD):
                user.set_unusable_password()
                user.save(update_fields=["password"])

    def _comptoirs(self) -> list[Any]:
        from currency.models import Comptoir

        user_model = get_user_model()
        comptoirs = []
        for name, commune_name, address, username in COMPTOIRS:
            comptoir, _created = Comptoir.objects.get_or_create(
                name=name, defaults={"commune": Commune.objects.get(name=commune_name), "address": address}
            )
            staff = user_model.objects.filter(username=username).first()
            if staff is None:
                staff = user_model.objects.create_user(username, f"{username}@bocage.localhost", self._password())
            if not comptoir.staff.filter(pk=staff.pk).exists():
                comptoir.staff.add(staff)
            comptoirs.append(comptoir)
        return comptoirs

    # --- the story -----------------------------------------------------------------------------

    def _story(self, admin: Any, comptoirs: list[Any], now: datetime.datetime) -> None:
        """Every write carries a key; the story's last write marks it told (STORY_DONE_KEY)."""
        members = {m.user.username: m for m in Member.objects.select_related("user")}
        accounts = {
            (account.holder.user.username, account.unit): account
            for account in Account.objects.filter(kind=Account.Kind.MEMBER).select_related("holder__user")
            if account.holder is not None
        }
        staff = {comptoir.pk: comptoir.staff.order_by("pk").first() for comptoir in comptoirs}
        rng = random.Random(SEED + 1)
        units = {"payment": "ACH", "hours": "HRS", "grains": "GRN"}
        for event in story_events(now=now, rng=rng):
            if event.kind == "conversion":
                comptoir = comptoirs[int(event.payee)]
                self._convert(comptoir, members[event.payer], Money(event.amount, "EUR"), staff[comptoir.pk], event)
                continue
            unit = units[event.kind]
            # Hours: the receiver of the service pays its provider. A member short of funds, or at
            # a limit, simply skips that one.
            with contextlib.suppress(ApplicationError):
                services.transfer_create(
                    from_account=accounts[(event.payer, unit)],
                    to_account=accounts[(event.payee, unit)],
                    amount=Money(event.amount, unit),
                    memo=event.memo,
                    actor=admin,
                    idempotency_key=event.key,
                    at=event.at,
                )
        self._membership_fees(admin, members)
        self._reconversions(admin, members)
        self._marketplace(members, now)
        # One pending hold, so the dashboard shows an amount on hold; written last, it marks the story told.
        services.hold_create(
            from_account=accounts[("camille", "GRN")],
            to_account=accounts[("jardins", "GRN")],
            amount=Money("12", "GRN"),
            memo="Panier de légumes (réservation)",
            actor=admin,
            expires_at=now + datetime.timedelta(days=14),
            idempotency_key=STORY_DONE_KEY,
        )

    def _convert(self, comptoir: Any, member: Member, euros: Money, staff: Any, event: Event) -> None:
        from currency.services.conversions import conversion_create

        conversion_create(
            comptoir=comptoir,
            member=member,
            amount=euros,
            payment_method=("cash", "cheque", "card")[int(event.amount) % 3],
            actor=staff,
            idempotency_key=event.key,
            at=event.at,
        )

    def _marketplace(self, members: dict[str, Member], now: datetime.datetime) -> None:
        """Offers and wants in the SEL, and one exchange carried through to a review."""
        from exchange.models import Category, Listing
        from exchange.services import exchanges as trades
        from exchange.services import reviews
        from exchange.services.listings import listing_create

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

    def _reconversions(self, admin: Any, members: dict[str, Member]) -> None:
        """Two businesses turn ACH back into euros: one paid by a SEPA file, one waiting for approval."""
        from currency.models import Reconversion
        from currency.services.reconversions import reconversion_approve, reconversion_request, sepa_export_create

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

    def _membership_fees(self, admin: Any, members: dict[str, Member]) -> None:
        """A few members pay next year's membership already: businesses in euros, residents in ACH."""
        payers = [(username, "EUR") for username in BUSINESSES[:6]] + [(u, "ACH") for u in SHOPPERS[:6]]
        for username, unit in payers:
            member = members[username]
            if MembershipPayment.objects.filter(member=member).exists():
                continue
            with contextlib.suppress(ApplicationError):
                membership_renew(member=member, unit=unit, actor=admin)
