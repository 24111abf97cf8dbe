"""First setup of a territory from its file: communes, exchange offices, first administrator (docs/FIRST_SETUP.md)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError
from core.territory import TerritoryFileError, territory_load
from currency.services.territory import territory_setup


class Command(BaseCommand):
    help = "Write a territory's communes, exchange offices and first administrator from its TOML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the territory's file (see docs/territory.example.toml)")
        parser.add_argument("--check", action="store_true", help="read and check the file, write nothing")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="never ask for the administrator's password: take DJANGO_SUPERUSER_PASSWORD, or set none",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            territory = territory_load(options["file"])
        except TerritoryFileError as error:
            raise CommandError("\n".join(["The file cannot be used:", *(f"  - {p}" for p in error.problems)])) from None
        self.stdout.write(
            f"{territory.name}: {len(territory.communes)} communes, {len(territory.offices)} offices, "
            f"currency {territory.currency.code} ({territory.currency.name})"
        )
        if options["check"]:
            self.stdout.write("The file is valid; nothing was written (--check).")
            return
        password = self._password(territory.administrator, no_input=options["no_input"])
        try:
            report = territory_setup(territory=territory, administrator_password=password, actor=None)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from None
        for label, names in (
            ("communes created", report.communes_created),
            ("communes updated", report.communes_updated),
            ("communes removed (not in the file)", report.communes_removed),
            ("communes kept although not in the file (still referred to)", report.communes_kept),
            ("offices created", report.offices_created),
            ("offices updated", report.offices_updated),
        ):
            if names:
                self.stdout.write(f"{label}: {', '.join(names)}")
        if report.administrator_created:
            self.stdout.write(f"administrator created: {report.administrator_created}")
            if password is None:
                self.stdout.write(
                    f"It has no password yet: python manage.py changepassword {report.administrator_created}"
                )
        elif report.administrator_existing:
            self.stdout.write(f"administrator {report.administrator_existing} exists already: left as it is")
        self.stdout.write(self.style.SUCCESS("The territory is set up."))

    def _password(self, administrator: Any, *, no_input: bool) -> str | None:
        if administrator is None:
            return None
        from_env = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if from_env:
            try:
                validate_password(from_env)
            except ValidationError as error:
                raise CommandError("DJANGO_SUPERUSER_PASSWORD: " + " ".join(error.messages)) from None
            return from_env
        if no_input:
            return None
        while True:
            first = getpass.getpass(f"Password for {administrator.username} (empty: set it later): ")
            if not first:
                return None
            if getpass.getpass("Again: ") != first:
                self.stderr.write("The two passwords differ.")
                continue
            try:
                validate_password(first)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return first
