"""Grow the demo community of the Pays des Achards. Idempotent: running it again adds nothing."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.utils import timezone
from djmoney.money import Money

from config.errors import ApplicationError
from ledger import services
from ledger.models import Account, Hold
from members.models import Member
from members.services import member_create

DEMO_PASSWORD = "bocage-demo"
ADMIN_PASSWORD = "bocage-admin"
STORY_DONE_KEY = "seed:hold:1"

# (username, display name, kind)
DEMO_MEMBERS = [
    ("camille", "Camille Rousseau (Les Achards)", Member.Kind.INDIVIDUAL),
    ("louis", "Louis Gaborit (La Chapelle-Hermier)", Member.Kind.INDIVIDUAL),
    ("manon", "Manon Bethuis (Le Girouard)", Member.Kind.INDIVIDUAL),
    ("hugo", "Hugo Pacaud (Martinet)", Member.Kind.INDIVIDUAL),
    ("lea", "Léa Chauvet (Nieul-le-Dolent)", Member.Kind.INDIVIDUAL),
    ("jules", "Jules Renaudin (Sainte-Flaive-des-Loups)", Member.Kind.INDIVIDUAL),
    ("chloe", "Chloé Mornet (Saint-Georges-de-Pointindoux)", Member.Kind.INDIVIDUAL),
    ("paul", "Paul Girard (Saint-Julien-des-Landes)", Member.Kind.INDIVIDUAL),
    ("ines", "Inès Bonnin (Beaulieu-sous-la-Roche)", Member.Kind.INDIVIDUAL),
    ("boulangerie", "Boulangerie du Martinet", Member.Kind.BUSINESS),
    ("cowork", "Le Cowork des Achards (tiers-lieu)", Member.Kind.BUSINESS),
    ("jardins", "Les Jardins du Girouard (maraîcher)", Member.Kind.BUSINESS),
    ("laruche", "Association La Ruche (fablab)", Member.Kind.ASSOCIATION),
]
INDIVIDUALS = [m[0] for m in DEMO_MEMBERS if m[2] == Member.Kind.INDIVIDUAL]
BUSINESSES = [m[0] for m in DEMO_MEMBERS if m[2] == Member.Kind.BUSINESS]
SERVICES = [
    "Tonte de pelouse",
    "Aide informatique",
    "Cours de guitare",
    "Covoiturage vers La Roche-sur-Yon",
    "Réparation de vélo",
    "Garde de poules",
    "Couture d'un ourlet",
    "Aide au déménagement",
]


class Command(BaseCommand):
    help = "Load the demo community (members, conversions, payments, hours). Safe to run again."

    def handle(self, *args, **options) -> None:
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "admin@bocage.localhost", ADMIN_PASSWORD)
        if not user_model.objects.filter(username="auditrice").exists():
            auditor = user_model.objects.create_user("auditrice", "audit@bocage.localhost", DEMO_PASSWORD)
            auditor.user_permissions.add(Permission.objects.get(codename="audit_ledger"))
        admin = user_model.objects.get(username="admin")

        for username, display_name, kind in DEMO_MEMBERS:
            if not user_model.objects.filter(username=username).exists():
                member_create(
                    actor=admin, username=username, password=DEMO_PASSWORD, display_name=display_name, kind=kind
                )

        if not Hold.objects.filter(idempotency_key=STORY_DONE_KEY).exists():
            self._story(admin)

        self.stdout.write(self.style.SUCCESS("Demo community ready."))
        self.stdout.write(f"  Members (password {DEMO_PASSWORD!r}): " + ", ".join(m[0] for m in DEMO_MEMBERS))
        self.stdout.write(f"  Auditor: auditrice / {DEMO_PASSWORD}   Administrator: admin / {ADMIN_PASSWORD}")

    def _story(self, admin) -> None:
        """Every posting carries a key; the story's last write marks it told (see STORY_DONE_KEY)."""

        def account(username: str, unit: str) -> Account:
            return Account.objects.get(kind=Account.Kind.MEMBER, holder__user__username=username, unit=unit)

        rng = random.Random(20261125)  # the same story every time
        # Conversions € → ACH at the comptoir: euros into the guarantee fund, ACH issued.
        world_eur = services.system_account(Account.SystemCode.WORLD, "EUR")
        fund = services.system_account(Account.SystemCode.GUARANTEE_FUND, "EUR")
        issuance = services.system_account(Account.SystemCode.ISSUANCE, "ACH")
        for index, username in enumerate(INDIVIDUALS):
            euros = Money(Decimal(rng.choice([50, 80, 100, 150])), "EUR")
            services.transaction_post(
                legs=[
                    (world_eur, -euros),
                    (fund, euros),
                    (issuance, Money(-euros.amount, "ACH")),
                    (account(username, "ACH"), Money(euros.amount, "ACH")),
                ],
                kind="conversion",
                memo="Change au comptoir de Les Achards",
                actor=admin,
                idempotency_key=f"seed:conversion:{index}",
            )
        # Purchases from local businesses in ACH.
        for index in range(30):
            payer = rng.choice(INDIVIDUALS)
            payee = rng.choice(BUSINESSES)
            amount = Money(Decimal(rng.randint(250, 2400)) / 100, "ACH")
            self._try_transfer(
                account(payer, "ACH"), account(payee, "ACH"), amount, "Achats", admin, f"seed:ach:{index}"
            )
        # The time bank: hours of service between neighbours.
        for index in range(40):
            provider, receiver = rng.sample([*INDIVIDUALS, "laruche"], 2)
            hours = Money(Decimal(rng.choice([50, 100, 150, 200, 300])) / 100, "HRS")
            memo = rng.choice(SERVICES)
            self._try_transfer(
                account(receiver, "HRS"), account(provider, "HRS"), hours, memo, admin, f"seed:hrs:{index}"
            )
        # SEL trades in grains.
        for index in range(20):
            buyer, seller = rng.sample(INDIVIDUALS, 2)
            grains = Money(Decimal(rng.randint(5, 60)), "GRN")
            self._try_transfer(
                account(buyer, "GRN"), account(seller, "GRN"), grains, "Échange SEL", admin, f"seed:grn:{index}"
            )
        # One pending hold, so the dashboard shows an amount on hold; written last, it marks the story told.
        services.hold_create(
            from_account=account("camille", "GRN"),
            to_account=account("jardins", "GRN"),
            amount=Money("12", "GRN"),
            memo="Panier de légumes (réservation)",
            actor=admin,
            expires_at=timezone.now() + timedelta(days=14),
            idempotency_key=STORY_DONE_KEY,
        )

    def _try_transfer(self, payer: Account, payee: Account, amount: Money, memo: str, actor, key: str) -> None:
        # A demo member short of funds simply skips that purchase.
        with contextlib.suppress(ApplicationError):
            services.transfer_create(
                from_account=payer, to_account=payee, amount=amount, memo=memo, actor=actor, idempotency_key=key
            )
