"""The FEC is the euro-valued books of one legal entity, checked against the rules of article
A47 A-1 of the Livre des procédures fiscales: the association's (euros, the local currency at par),
each cooperative's own (its capital movements), and hours and SEL units apart, in a non-statutory
file of the same format. ISO-8859-15 by default, transliterated; UTF-8 on request."""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import moneyed
import pytest
from django.core.management import call_command
from django.utils import timezone
from djmoney.money import Money

from cooperative.models import Cooperative
from ledger.fec import FEC_COLUMNS, FecBooks, fec_filename, fec_write
from ledger.kinds import POSTING, TRANSFER
from ledger.models import Account, ExportJob, Transaction
from ledger.services import system_account, transaction_post
from tests.conftest import account_of, api_client_for
from tests.cooperative.helpers import SIREN, found_scic, shareholder_with_shares
from tests.ledger.books_story import make_auditor, worked_example
from timebank.kinds import SERVICE

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MANDATORY = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "ValidDate",
)
# ISO 4217: moneyed's list, without the codes Bocage adds for its own units (they have no number).
ISO_4217 = {code for code, currency in moneyed.CURRENCIES.items() if currency.numeric}
MEMO = "L’été… 😀 œuvre à 5 €"


def check_article_a47_a1(raw: bytes, encoding: str = "iso-8859-15") -> list[dict[str, str]]:
    """The file's lines as dicts, once every rule of the article checked here holds."""
    text = raw.decode(encoding)  # strict: a byte outside the charset fails
    lines = text.split("\r\n")
    assert lines[-1] == ""
    separator = "\t" if "\t" in lines[0] else "|"
    assert lines[0].split(separator) == list(FEC_COLUMNS)  # the 18 columns, in the legal order
    rows = []
    for line in lines[1:-1]:
        assert "|" not in line or separator == "|", line  # one separator throughout
        fields = line.split(separator)
        assert len(fields) == 18, line
        rows.append(dict(zip(FEC_COLUMNS, fields, strict=True)))
    debit: dict[str, Decimal] = defaultdict(Decimal)
    credit: dict[str, Decimal] = defaultdict(Decimal)
    numbers: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        for name in MANDATORY:
            assert row[name], (name, row)
        for name in ("EcritureDate", "PieceDate", "ValidDate"):
            datetime.datetime.strptime(row[name], "%Y%m%d")
            assert re.fullmatch(r"\d{8}", row[name])
        assert row["DateLet"] == "" or re.fullmatch(r"\d{8}", row["DateLet"])
        for name in ("Debit", "Credit"):
            assert re.fullmatch(r"\d+,\d{2}", row[name]), row[name]
        assert bool(row["CompAuxNum"]) == bool(row["CompAuxLib"])
        assert bool(row["Montantdevise"]) == bool(row["Idevise"])
        assert row["Idevise"] == "" or row["Idevise"] in ISO_4217
        assert re.fullmatch(rf"{re.escape(row['JournalCode'])}\d{{6}}", row["EcritureNum"])
        debit[row["EcritureNum"]] += Decimal(row["Debit"].replace(",", "."))
        credit[row["EcritureNum"]] += Decimal(row["Credit"].replace(",", "."))
        number = int(row["EcritureNum"][-6:])
        if not numbers[row["JournalCode"]] or numbers[row["JournalCode"]][-1][0] != number:
            numbers[row["JournalCode"]].append((number, row["EcritureDate"]))
    assert debit == credit  # each écriture balanced
    for journal, sequence in numbers.items():
        assert [number for number, _day in sequence] == list(range(1, len(sequence) + 1)), journal
        assert [day for _number, day in sequence] == sorted(day for _number, day in sequence), journal
    return rows


@dataclass
class Books:
    year: int
    capital: set[str]  # the SCIC's transactions
    mixed: Transaction  # euros and hours in one transaction
    late: Transaction  # recorded last, dated in January


@pytest.fixture
def books(make_member, django_user_model, staff_user, settings) -> Books:
    story = worked_example(make_member, django_user_model, staff_user, settings)
    scic = found_scic()
    shareholder_with_shares(scic, story.alice, quantity=3)
    shareholder_with_shares(scic, story.bakery, quantity=2)
    anna, basile = make_member(username="anna"), make_member(username="basile", display_name="Basile")
    transaction_post(
        legs=[(account_of(anna, "HRS"), -Money("1.5", "HRS")), (account_of(basile, "HRS"), Money("1.5", "HRS"))],
        kind=SERVICE,
        memo="Jardinage",
        actor=None,
    )
    transaction_post(
        legs=[(account_of(anna, "GRN"), -Money("30", "GRN")), (account_of(basile, "GRN"), Money("30", "GRN"))],
        kind=TRANSFER,
        memo="Confitures",
        actor=None,
    )
    mixed = transaction_post(
        legs=[
            (system_account(Account.SystemCode.WORLD, "EUR"), -Money("4", "EUR")),
            (system_account(Account.SystemCode.FEES, "EUR"), Money("4", "EUR")),
            (account_of(basile, "HRS"), -Money("0.5", "HRS")),
            (account_of(anna, "HRS"), Money("0.5", "HRS")),
        ],
        kind=POSTING,
        memo=MEMO,
        actor=None,
    )
    year = timezone.localdate().year
    late = transaction_post(
        legs=[
            (system_account(Account.SystemCode.WORLD, "EUR"), -Money("7", "EUR")),
            (system_account(Account.SystemCode.FEES, "EUR"), Money("7", "EUR")),
        ],
        kind=POSTING,
        memo="Facture de janvier saisie en retard",
        actor=None,
        at=datetime.datetime(year, 1, 2, 10, tzinfo=PARIS),
    )
    capital = Transaction.objects.filter(entries__account=Cooperative.objects.get().capital_account)
    return Books(year, {str(pk) for pk in capital.values_list("pk", flat=True)}, mixed, late)


ASSOCIATION_FEC = FecBooks()


def written(year: int, books: FecBooks = ASSOCIATION_FEC, encoding: str = "iso-8859-15") -> bytes:
    out = io.StringIO()
    fec_write(year=year, out=out, books=books, encoding=encoding)
    return out.getvalue().encode(encoding)


def test_the_association_fec_holds_euros_and_the_local_currency_at_par_and_no_capital_movement(books):
    rows = check_article_a47_a1(written(books.year))

    assert {row["JournalCode"] for row in rows} == {"EUR", "ACH"}
    assert {(row["Montantdevise"], row["Idevise"]) for row in rows} == {("", "")}
    assert not books.capital & {row["PieceRef"] for row in rows}
    assert "101300" not in {row["CompteNum"] for row in rows}
    # The euros of a transaction that also moved hours: here, on their own and balanced.
    mixed = [row for row in rows if row["PieceRef"] == str(books.mixed.pk)]
    assert [(row["EcritureNum"], row["CompteNum"], row["Debit"], row["Credit"]) for row in mixed] == [
        ("EUR000005", "512000", "4,00", "0,00"),
        ("EUR000005", "706000", "0,00", "4,00"),
    ]
    # Recorded last but dated 2 January: numbered first in its journal.
    late = [row for row in rows if row["PieceRef"] == str(books.late.pk)]
    assert {(row["EcritureNum"], row["EcritureDate"]) for row in late} == {("EUR000001", f"{books.year}0102")}


def test_the_cooperative_has_its_own_fec_with_exactly_its_capital_movements(books, settings):
    settings.BOCAGE_FEC_SIREN = "248500530"

    rows = check_article_a47_a1(written(books.year, FecBooks(entity=SIREN)))

    assert len(books.capital) == 2
    assert {row["PieceRef"] for row in rows} == books.capital
    assert [(row["EcritureNum"], row["CompteNum"], row["Debit"], row["Credit"]) for row in rows] == [
        ("EUR000001", "512000", "60,00", "0,00"),
        ("EUR000001", "101300", "0,00", "60,00"),
        ("EUR000002", "512000", "40,00", "0,00"),
        ("EUR000002", "101300", "0,00", "40,00"),
    ]
    assert fec_filename(books.year, FecBooks(entity=SIREN)) == f"{SIREN}FEC{books.year}1231.txt"
    assert fec_filename(books.year) == f"248500530FEC{books.year}1231.txt"


def test_hours_and_sel_units_go_to_a_non_statutory_file_and_never_to_the_fec(books, settings):
    settings.BOCAGE_FEC_SIREN = "248500530"

    rows = check_article_a47_a1(written(books.year, FecBooks(statutory=False)))

    assert [(row["EcritureNum"], row["Debit"], row["Credit"], row["PieceRef"]) for row in rows] == [
        ("HRS000001", "1,50", "0,00", rows[0]["PieceRef"]),
        ("HRS000001", "0,00", "1,50", rows[0]["PieceRef"]),
        ("GRN000001", "30,00", "0,00", rows[2]["PieceRef"]),
        ("GRN000001", "0,00", "30,00", rows[2]["PieceRef"]),
        ("HRS000002", "0,50", "0,00", str(books.mixed.pk)),
        ("HRS000002", "0,00", "0,50", str(books.mixed.pk)),
    ]
    assert {row["JournalLib"] for row in rows} == {
        "Banque de temps (heures) (non statutaire)",
        "SEL (grains) (non statutaire)",
    }
    assert {(row["Montantdevise"], row["Idevise"]) for row in rows} == {("", "")}
    assert fec_filename(books.year, FecBooks(statutory=False)) == f"248500530NONSTATUTAIRE{books.year}1231.txt"
    for statutory in (written(books.year), written(books.year, FecBooks(entity=SIREN))):
        assert not {"HRS", "GRN"} & {row["JournalCode"] for row in check_article_a47_a1(statutory)}


def test_the_file_is_iso_8859_15_with_the_rest_transliterated_and_utf_8_on_request(books):
    latin = [row for row in check_article_a47_a1(written(books.year)) if row["PieceRef"] == str(books.mixed.pk)]
    utf8 = check_article_a47_a1(written(books.year, encoding="utf-8"), "utf-8")

    assert {row["EcritureLib"] for row in latin} == {"L'été...  œuvre à 5 €"}
    assert {row["EcritureLib"] for row in utf8 if row["PieceRef"] == str(books.mixed.pk)} == {MEMO}


def test_the_api_exports_the_cooperative_fec_in_utf_8_and_refuses_an_unknown_entity(
    books, django_user_model, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = api_client_for(make_auditor(django_user_model))
    asked = {"kind": "fec", "year": books.year, "entity": SIREN, "encoding": "utf-8"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/audit/exports/", asked, format="json")

    job = ExportJob.objects.get(pk=response.json()["id"])
    assert response.status_code == 202
    assert job.parameters == {"year": books.year, "entity": SIREN, "books": "statutory", "encoding": "utf-8"}
    for refused, field in (
        ({"kind": "fec", "year": books.year, "entity": "999999999"}, "entity"),
        ({"kind": "fec", "year": books.year, "entity": SIREN, "books": "non_statutory"}, "books"),
        ({"kind": "fec", "year": books.year, "encoding": "latin-1"}, "encoding"),
    ):
        answer = client.post("/api/audit/exports/", refused, format="json")
        assert answer.status_code == 400, refused
        assert answer.json()["code"] in {"invalid", "invalid_input", "invalid_choice"}
        assert field in answer.json()["fields"]
    assert ExportJob.objects.count() == 1


def test_the_command_writes_the_cooperative_fec_and_the_non_statutory_file(books, tmp_path):
    coop, hours = tmp_path / "coop.txt", tmp_path / "hours.txt"

    call_command("export_fec", year=books.year, entity=SIREN, encoding="utf-8", output=str(coop), verbosity=0)
    call_command("export_fec", year=books.year, non_statutory=True, output=str(hours), verbosity=0)

    assert coop.read_bytes() == written(books.year, FecBooks(entity=SIREN), "utf-8")
    assert hours.read_bytes() == written(books.year, FecBooks(statutory=False))
    assert {row["PieceRef"] for row in check_article_a47_a1(coop.read_bytes(), "utf-8")} == books.capital
