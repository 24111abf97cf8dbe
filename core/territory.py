"""A territory's first-setup file: its communes, its local currency, its exchange offices, its first administrator.

The same small TOML file serves twice: `config/settings.py` reads its `[currency]` and
`[association]` sections at start-up when `BOCAGE_TERRITORY_FILE` names it (units are
configuration), and `manage.py setup_territory FILE` writes its communes, offices and first
administrator into the database. `docs/territory.example.toml` is the Pays des Achards; see
docs/FIRST_SETUP.md.

Plain Python on purpose (tomllib, dataclasses, no Django model): settings import it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

POSTAL_CODE = re.compile(r"^\d{5}$")
# INSEE commune codes: two digits of département (2A/2B in Corsica, 97x overseas) and three of commune.
INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
UNIT_CODE = re.compile(r"^[A-Z]{3}$")
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
# Codes the platform's other units use: the local currency may not take them.
RESERVED_UNIT_CODES = {"EUR", "HRS", "GRN"}
DEMURRAGE_PERIODS = {"month", "quarter", "year"}


class TerritoryFileError(ValueError):
    """The file cannot be used; `problems` lists each one with where it is."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class CommuneSpec:
    name: str
    postal_code: str
    insee_code: str


@dataclass(frozen=True)
class OfficeSpec:
    name: str
    commune: str
    address: str = ""
    staff: tuple[str, ...] = ()


@dataclass(frozen=True)
class CurrencySpec:
    code: str
    name: str
    name_en: str
    demurrage_rate: str | None = None
    demurrage_period: str = "quarter"
    demurrage_exempt_below: str = "0"


@dataclass(frozen=True)
class AssociationSpec:
    name: str
    siren: str = ""
    iban: str = ""
    bic: str = ""


@dataclass(frozen=True)
class AdministratorSpec:
    username: str
    email: str


@dataclass(frozen=True)
class Territory:
    name: str
    association: AssociationSpec
    currency: CurrencySpec
    communes: tuple[CommuneSpec, ...]
    offices: tuple[OfficeSpec, ...] = ()
    administrator: AdministratorSpec | None = None


def _text(table: dict[str, Any], key: str, where: str, problems: list[str], *, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        problems.append(f"{where}.{key}: expected text, got {type(value).__name__}")
        return ""
    value = value.strip()
    if required and not value:
        problems.append(f"{where}.{key}: required")
    return value


def _decimal_text(table: dict[str, Any], key: str, where: str, problems: list[str], default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        # A TOML float would already have lost exactness: rates and amounts are written as text.
        problems.append(f'{where}.{key}: write it as text, e.g. "{default}"')
        return default
    try:
        number = Decimal(value)
    except InvalidOperation:
        problems.append(f"{where}.{key}: not a number: {value!r}")
        return default
    if not number.is_finite() or number < 0:
        problems.append(f"{where}.{key}: must be zero or more")
    return value


def _currency(table: Any, problems: list[str]) -> CurrencySpec:
    if not isinstance(table, dict):
        problems.append("currency: a [currency] table is required")
        return CurrencySpec(code="", name="", name_en="")
    code = _text(table, "code", "currency", problems)
    if code and (not UNIT_CODE.match(code) or code in RESERVED_UNIT_CODES):
        problems.append(f"currency.code: three capital letters, not EUR, HRS or GRN: {code!r}")
    name = _text(table, "name", "currency", problems)
    name_en = _text(table, "name_en", "currency", problems, required=False) or name
    demurrage = table.get("demurrage")
    if demurrage is None:
        return CurrencySpec(code=code, name=name, name_en=name_en)
    if not isinstance(demurrage, dict):
        problems.append("currency.demurrage: expected a table")
        return CurrencySpec(code=code, name=name, name_en=name_en)
    rate = _decimal_text(demurrage, "rate", "currency.demurrage", problems, "0")
    if Decimal(rate if rate else "0") >= 1:
        problems.append("currency.demurrage.rate: a share of the balance, below 1 (0.02 is 2 %)")
    period = _text(demurrage, "period", "currency.demurrage", problems)
    if period and period not in DEMURRAGE_PERIODS:
        problems.append(f"currency.demurrage.period: month, quarter or year, not {period!r}")
    exempt = _decimal_text(demurrage, "exempt_below", "currency.demurrage", problems, "0")
    return CurrencySpec(
        code=code,
        name=name,
        name_en=name_en,
        demurrage_rate=rate,
        demurrage_period=period or "quarter",
        demurrage_exempt_below=exempt,
    )


def _association(table: Any, problems: list[str]) -> AssociationSpec:
    if not isinstance(table, dict):
        problems.append("association: an [association] table is required")
        return AssociationSpec(name="")
    return AssociationSpec(
        name=_text(table, "name", "association", problems),
        siren=_text(table, "siren", "association", problems, required=False),
        iban=_text(table, "iban", "association", problems, required=False).replace(" ", ""),
        bic=_text(table, "bic", "association", problems, required=False),
    )


def _communes(rows: Any, problems: list[str]) -> tuple[CommuneSpec, ...]:
    if not isinstance(rows, list) or not rows:
        problems.append("communes: at least one [[communes]] entry is required")
        return ()
    communes = []
    names: set[str] = set()
    codes: set[str] = set()
    for number, row in enumerate(rows, start=1):
        where = f"communes[{number}]"
        if not isinstance(row, dict):
            problems.append(f"{where}: expected a table")
            continue
        name = _text(row, "name", where, problems)
        postal = _text(row, "postal_code", where, problems)
        insee = _text(row, "insee_code", where, problems).upper()
        if postal and not POSTAL_CODE.match(postal):
            problems.append(f"{where}.postal_code: five digits: {postal!r}")
        if insee and not INSEE_CODE.match(insee):
            problems.append(f"{where}.insee_code: five characters (digits, or 2A/2B then three digits): {insee!r}")
        if name in names:
            problems.append(f"{where}.name: {name!r} is listed twice")
        if insee in codes:
            problems.append(f"{where}.insee_code: {insee!r} is listed twice")
        names.add(name)
        codes.add(insee)
        communes.append(CommuneSpec(name=name, postal_code=postal, insee_code=insee))
    return tuple(communes)


def _offices(rows: Any, communes: tuple[CommuneSpec, ...], problems: list[str]) -> tuple[OfficeSpec, ...]:
    if rows is None:
        return ()
    if not isinstance(rows, list):
        problems.append("offices: expected [[offices]] entries")
        return ()
    known = {commune.name for commune in communes}
    offices = []
    names: set[str] = set()
    for number, row in enumerate(rows, start=1):
        where = f"offices[{number}]"
        if not isinstance(row, dict):
            problems.append(f"{where}: expected a table")
            continue
        name = _text(row, "name", where, problems)
        commune = _text(row, "commune", where, problems)
        if commune and commune not in known:
            problems.append(f"{where}.commune: {commune!r} is not one of the file's communes")
        if name in names:
            problems.append(f"{where}.name: {name!r} is listed twice")
        names.add(name)
        staff = row.get("staff", [])
        if not isinstance(staff, list) or not all(isinstance(item, str) and USERNAME.match(item) for item in staff):
            problems.append(f"{where}.staff: a list of usernames")
            staff = []
        offices.append(
            OfficeSpec(
                name=name,
                commune=commune,
                address=_text(row, "address", where, problems, required=False),
                staff=tuple(staff),
            )
        )
    return tuple(offices)


def _administrator(table: Any, problems: list[str]) -> AdministratorSpec | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        problems.append("administrator: expected a table")
        return None
    if "password" in table:
        problems.append("administrator.password: never in this file; give it when the command asks, or not at all")
    username = _text(table, "username", "administrator", problems)
    if username and not USERNAME.match(username):
        problems.append(f"administrator.username: letters, digits and @.+-_ only: {username!r}")
    email = _text(table, "email", "administrator", problems)
    if email and "@" not in email:
        problems.append(f"administrator.email: not an e-mail address: {email!r}")
    return AdministratorSpec(username=username, email=email)


KNOWN_TABLES = {"name", "association", "currency", "communes", "offices", "administrator"}


def territory_parse(data: dict[str, Any]) -> Territory:
    """Check a parsed file. Raises TerritoryFileError naming every problem at once."""
    problems: list[str] = []
    name = _text(data, "name", "territory", problems)
    currency = _currency(data.get("currency"), problems)
    association = _association(data.get("association"), problems)
    communes = _communes(data.get("communes"), problems)
    offices = _offices(data.get("offices"), communes, problems)
    administrator = _administrator(data.get("administrator"), problems)
    unknown = sorted(set(data) - KNOWN_TABLES)
    problems += [f"{key}: unknown section" for key in unknown]
    if problems:
        raise TerritoryFileError(problems)
    return Territory(
        name=name,
        association=association,
        currency=currency,
        communes=communes,
        offices=offices,
        administrator=administrator,
    )


def territory_load(path: str | Path) -> Territory:
    """Read and check the file. Raises TerritoryFileError (unreadable, not TOML, or its content)."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise TerritoryFileError([f"{path}: cannot be read ({error.strerror})"]) from None
    except tomllib.TOMLDecodeError as error:
        raise TerritoryFileError([f"{path}: not valid TOML ({error})"]) from None
    return territory_parse(data)


def _name_in_language(french: str, english: str) -> str:
    from django.utils.translation import get_language

    return english if (get_language() or "fr").startswith("en") else french


def territory_unit_name(territory: Territory) -> str:
    """The local currency's name in the reader's language (French by default), evaluated when shown."""
    from django.utils.functional import lazy

    return lazy(_name_in_language, str)(territory.currency.name, territory.currency.name_en)


def territory_demurrage(territory: Territory) -> dict[str, str] | None:
    """The `demurrage` entry of the local unit's settings, or None when the file sets none."""
    currency = territory.currency
    if currency.demurrage_rate is None:
        return None
    return {
        "rate": currency.demurrage_rate,
        "period": currency.demurrage_period,
        "exempt_below": currency.demurrage_exempt_below,
    }
