"""A new territory sets itself up from one file: communes, currency, exchange offices, first administrator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from core.territory import TerritoryFileError, territory_load
from currency.models import Comptoir
from members.models import Commune

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "territory.example.toml"

TERRITORY = """
name = "Pays de Pouzauges"

[association]
name = "Association du Galais"
iban = "FR7630006000011234567890189"
bic = "AGRIFRPP"

[currency]
code = "{code}"
name = "Galais (monnaie locale)"
name_en = "Galais (local currency)"

[[communes]]
name = "Pouzauges"
postal_code = "85700"
insee_code = "85182"

[[communes]]
name = "Les Achards"
postal_code = "85150"
insee_code = "85152"

[[offices]]
name = "Comptoir de Pouzauges"
commune = "Pouzauges"
address = "Place de l'Église"
staff = {staff}

[administrator]
username = "fondatrice"
email = "fondatrice@example.org"
"""


def territory_file(tmp_path: Path, *, code: str = "ACH", staff: str = "[]") -> Path:
    path = tmp_path / "territory.toml"
    path.write_text(TERRITORY.format(code=code, staff=staff), encoding="utf-8")
    return path


def test_the_example_file_is_the_pays_des_achards_with_the_insee_codes_of_its_nine_communes(db):
    territory = territory_load(EXAMPLE)

    assert territory.currency.code == "ACH"
    assert {(c.name, c.postal_code, c.insee_code) for c in territory.communes} == set(
        Commune.objects.values_list("name", "postal_code", "insee_code")
    )


def test_a_file_with_mistakes_names_every_problem_and_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        """
name = "Nulle part"
[association]
name = ""
[currency]
code = "HRS"
name = "Heures"
[currency.demurrage]
rate = 0.02
period = "week"
[[communes]]
name = "Ici"
postal_code = "8515"
insee_code = "851520"
[[offices]]
name = "Comptoir"
commune = "Ailleurs"
[administrator]
username = "admin"
email = "admin@example.org"
password = "bocage-admin"
""",
        encoding="utf-8",
    )
    communes, events = Commune.objects.count(), AuditEvent.objects.count()

    with pytest.raises(TerritoryFileError) as refused:
        territory_load(path)
    with pytest.raises(CommandError):
        call_command("setup_territory", str(path), "--no-input")

    assert refused.value.problems == [
        "currency.code: three capital letters, not EUR, HRS or GRN: 'HRS'",
        'currency.demurrage.rate: write it as text, e.g. "0"',
        "currency.demurrage.period: month, quarter or year, not 'week'",
        "association.name: required",
        "communes[1].postal_code: five digits: '8515'",
        "communes[1].insee_code: five characters (digits, or 2A/2B then three digits): '851520'",
        "offices[1].commune: 'Ailleurs' is not one of the file's communes",
        "administrator.password: never in this file; give it when the command asks, or not at all",
    ]
    assert (Commune.objects.count(), AuditEvent.objects.count()) == (communes, events)
    assert not User.objects.filter(username="admin").exists()


def test_a_file_that_is_not_toml_is_refused_with_where_it_breaks(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n", encoding="utf-8")

    with pytest.raises(TerritoryFileError) as refused:
        territory_load(path)

    assert refused.value.problems[0].startswith(f"{path}: not valid TOML")


def test_setup_writes_the_communes_offices_and_administrator_and_is_safe_to_run_again(db, tmp_path, make_member):
    martinet = Commune.objects.get(name="Martinet")
    make_member(username="lucie", commune=martinet)  # a member lives there: Martinet stays
    User.objects.create_user(username="guichet", password="x")
    path = territory_file(tmp_path, staff='["guichet"]')

    call_command("setup_territory", str(path), "--no-input")

    assert set(Commune.objects.values_list("name", "postal_code", "insee_code")) == {
        ("Pouzauges", "85700", "85182"),
        ("Les Achards", "85150", "85152"),
        ("Martinet", "85150", "85138"),
    }
    office = Comptoir.objects.get(name="Comptoir de Pouzauges")
    assert (office.commune.name, office.address, office.active) == ("Pouzauges", "Place de l'Église", True)
    assert list(office.staff.values_list("username", flat=True)) == ["guichet"]
    founder = User.objects.get(username="fondatrice")
    assert (founder.is_superuser, founder.is_staff, founder.has_usable_password()) == (True, True, False)
    actions = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("commune_setup") == 1  # Pouzauges; Les Achards had its INSEE code already
    assert actions.count("commune_remove") == 7
    assert actions.count("comptoir_setup") == 1
    assert actions.count("administrator_create") == 1

    events = AuditEvent.objects.count()
    call_command("setup_territory", str(path), "--no-input")

    assert AuditEvent.objects.count() == events
    assert Commune.objects.count() == 3
    assert Comptoir.objects.count() == 1
    assert User.objects.filter(username="fondatrice").count() == 1


def test_an_existing_administrator_is_left_as_it_is(db, tmp_path):
    User.objects.create_user(username="fondatrice", password="her-own-secret-42")
    path = territory_file(tmp_path)

    call_command("setup_territory", str(path), "--no-input")

    founder = User.objects.get(username="fondatrice")
    assert (founder.is_superuser, founder.check_password("her-own-secret-42")) == (False, True)


def test_an_office_naming_a_clerk_without_an_account_is_refused_and_writes_nothing(db, tmp_path):
    path = territory_file(tmp_path, staff='["personne"]')
    communes, events = Commune.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match="personne"):
        call_command("setup_territory", str(path), "--no-input")

    assert (Commune.objects.count(), AuditEvent.objects.count(), Comptoir.objects.count()) == (communes, events, 0)


def test_a_file_whose_currency_is_not_the_running_one_is_refused_and_writes_nothing(db, tmp_path):
    path = territory_file(tmp_path, code="GAL")
    communes = Commune.objects.count()

    with pytest.raises(CommandError, match="BOCAGE_TERRITORY_FILE"):
        call_command("setup_territory", str(path), "--no-input")

    assert Commune.objects.count() == communes
    assert not User.objects.filter(username="fondatrice").exists()


def test_check_reads_the_file_and_writes_nothing(db, tmp_path):
    communes = Commune.objects.count()

    call_command("setup_territory", str(territory_file(tmp_path)), "--check")

    assert Commune.objects.count() == communes


FIRST_CONVERSION = """
import json
from decimal import Decimal
from django.contrib.auth.models import User
from django.utils import translation
from djmoney.money import Money
from currency.models import Comptoir
from currency.services.conversions import conversion_create
from ledger.models import Account
from ledger.units import get_unit
from members.models import Commune
from membership.services import member_join

member = member_join(actor=None, username="anna", password=None, display_name="Anna", kind="individual",
                       commune=Commune.objects.get(name="Pouzauges"))
conversion_create(comptoir=Comptoir.objects.get(), member=member, amount=Money(Decimal("25.50"), "EUR"),
                  payment_method="cash", actor=User.objects.get(username="guichet"))
with translation.override("en"):
    english = str(get_unit("GAL").name)
print(json.dumps({
    "balances": sorted([a.system_code or a.holder.display_name, a.unit, a.balance]
                       for a in Account.objects.exclude(balance=0)),
    "member_units": sorted(Account.objects.filter(holder=member).values_list("unit", flat=True)),
    "name": str(get_unit("GAL").name),
    "name_en": english,
    "communes": sorted(Commune.objects.values_list("insee_code", flat=True)),
}))
"""


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="builds its own embedded (SQLite) platform from nothing: once per CI run is enough",
)
def test_a_new_territory_goes_from_an_empty_database_to_a_first_conversion(tmp_path):
    var = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env |= {
        "BOCAGE_VAR_DIR": str(var),
        "BOCAGE_TERRITORY_FILE": str(territory_file(tmp_path, code="GAL", staff='["guichet"]')),
        "DJANGO_SUPERUSER_PASSWORD": "une-phrase-de-passe-solide",
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate", "--noinput", "-v0")
    manage("shell", "-c", "from django.contrib.auth.models import User; User.objects.create_user('guichet')")
    setup = manage("setup_territory", env["BOCAGE_TERRITORY_FILE"], "--no-input")
    world = json.loads(manage("shell", "-c", FIRST_CONVERSION).strip().splitlines()[-1])

    assert "The territory is set up." in setup
    assert world == {
        "balances": [
            ["Anna", "GAL", 2550],
            ["guarantee_fund", "EUR", 2550],
            ["issuance", "GAL", -2550],
            ["world", "EUR", -2550],
        ],
        "member_units": ["GAL", "GRN", "HRS"],
        "name": "Galais (monnaie locale)",
        "name_en": "Galais (local currency)",
        "communes": ["85152", "85182"],
    }
