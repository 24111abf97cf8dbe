"""Grow the demo community of the Pays des Achards. Idempotent: running it again adds nothing.

About forty members across the nine communes, a dozen businesses in the public directory, two
exchange offices (comptoirs) with their staff, five tiers-lieux with three months of bookings, and
six months of history: conversions of euros
into ACH, purchases from local businesses, hours in the time bank, SEL trades in grains, and a
few membership fees. Everything goes through the services, as a user would reach it.

This command is the orchestration: the DEBUG guard, the logins, the order of the stories and the
summary it prints. Each app's demo data lives beside it in demo/ (members, currency, timebank,
exchange, story, crowdfunding, cooperative, places).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.cooperative import seed_cooperative
from demo.crowdfunding import seed_campaigns
from demo.currency import COMPTOIRS, seed_comptoirs, seed_reconversions
from demo.exchange import seed_marketplace
from demo.members import (
    ADMIN_PASSWORD,
    DEMO_MEMBERS,
    DEMO_PASSWORD,
    ORGANISATIONS,
    SHOPPERS,
    members_by_username,
    seed_members,
    seed_membership_fees,
)
from demo.places import seed_places, sqlite_commits_unsynced
from demo.standing_orders import seed_standing_order
from demo.story import story_end, story_play, story_told


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
        # Some two thousand commits: on the embedded SQLite database, none waits for the disk (a
        # crash while seeding loses the demo, which is seeded again).
        with sqlite_commits_unsynced():
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

            seed_members(admin=admin, now=now, password=self._password())
            comptoirs = seed_comptoirs(password=self._password())
            if not story_told():
                members = members_by_username()
                story_play(admin=admin, comptoirs=comptoirs, members=members, now=now)
                seed_membership_fees(admin=admin, members=members)
                seed_reconversions(admin=admin, members=members)
                seed_marketplace(members=members, now=now)
                story_end(admin=admin, now=now)
            # Demo campaigns (once): the app that owns them writes them through its own services.
            seed_campaigns(admin=admin, now=now)
            seed_cooperative(admin=admin, now=now)
            # The network of tiers-lieux, last: its bookings spend what the story left on the accounts.
            seed_places(admin=admin, members=members_by_username(), comptoirs=comptoirs, now=now)
            # An association pays a place monthly by standing order (its past months paid).
            seed_standing_order(members=members_by_username(), comptoirs=comptoirs, now=now)

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

    # --- logins --------------------------------------------------------------------------------

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
