"""Units are configuration (settings.BOCAGE_UNITS); this module turns them into typed objects.

Amounts are stored as integers in the unit's minor units (cents, hundredths of an hour) and are
`Money` everywhere above storage. `to_minor` refuses what the unit cannot represent exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from core import l10n
from core.errors import ApplicationError


class InvalidAmount(ApplicationError):
    code = "invalid_amount"
    default_message = _("The amount is invalid.")


class UnknownUnit(ApplicationError):
    code = "unknown_unit"
    default_message = _("This unit does not exist.")


class UnitKind:
    FIAT = "fiat"
    BACKED = "backed"
    MUTUAL_CREDIT = "mutual_credit"
    CREDIT = "credit"  # booking credits of the places (days, hours): never money
    CHOICES = [
        (FIAT, _("Fiat")),
        (BACKED, _("Backed local currency")),
        (MUTUAL_CREDIT, _("Mutual credit")),
        (CREDIT, _("Booking credits")),
    ]


@dataclass(frozen=True)
class Unit:
    code: str
    name: str  # may be a lazy translation: str() it where shown
    kind: str
    decimals: int
    member_account: bool
    default_min_balance: int | None  # minor units; None = unbounded
    default_max_balance: int | None
    warning_margin: int | None = None  # minor units: the dashboard warns this close to a limit
    demurrage: Demurrage | None = None

    @property
    def scale(self) -> int:
        return 10**self.decimals

    def to_minor(self, amount: Money | Decimal | str | int) -> int:
        """Exact conversion to minor units; raises InvalidAmount if it would round."""
        if isinstance(amount, Money):
            if str(amount.currency) != self.code:
                raise UnitMismatch(
                    _("The amount is in %(given)s, not %(expected)s.")
                    % {"given": amount.currency, "expected": self.code}
                )
            amount = amount.amount
        try:
            value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
        except (InvalidOperation, ValueError) as exc:
            raise InvalidAmount(_("“%(value)s” is not a number.") % {"value": amount}) from exc
        if not value.is_finite():
            raise InvalidAmount(_("The amount must be a finite number."))
        if value.adjusted() > 18:  # beyond 10^18: no ledger amount, and scaling it could overflow
            raise InvalidAmount(_("The amount is too large."))
        if value != 0 and value.adjusted() < -self.decimals:
            raise InvalidAmount(
                _("%(unit)s amounts have at most %(decimals)d decimals.")
                % {"unit": self.code, "decimals": self.decimals}
            )
        scaled = value * self.scale
        if scaled != scaled.to_integral_value():
            raise InvalidAmount(
                _("%(unit)s amounts have at most %(decimals)d decimals.")
                % {"unit": self.code, "decimals": self.decimals}
            )
        minor = int(scaled)
        if abs(minor) >= 2**62:
            raise InvalidAmount(_("The amount is too large."))
        return minor

    def to_money(self, minor: int) -> Money:
        return Money(Decimal(minor).scaleb(-self.decimals), self.code)

    def to_decimal(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.decimals)

    def format(self, minor: int | None, *, language: str | None = None) -> str:
        """An amount in the reader's language (`core.l10n`: the active one unless `language` says):
        fr `1 234,50 ACH`, en `1,234.50 ACH`; hours fr `1 h 30`, en `1 h 30 min` (English has no
        habit of "1 h 30"; "1.5 h" would hide the minutes), whole hours `2 h` in both. A real minus
        sign, `−`. Machine files (CSV, FEC, API) use `to_decimal` instead."""
        if minor is None:
            return "∞"
        sign = l10n.MINUS if minor < 0 else ""
        if self.code == "HRS":
            minutes = round(abs(minor) * 60 / self.scale)
            hours, rest = divmod(minutes, 60)
            if not rest:
                return f"{sign}{hours} h"
            return f"{sign}{hours} h {rest} min" if l10n.is_english(language) else f"{sign}{hours} h {rest:02d}"
        number = l10n.format_number(abs(self.to_decimal(minor)), self.decimals, language=language)
        return f"{sign}{number} {self.code}"


@dataclass(frozen=True)
class Demurrage:
    """Demurrage (fonte) of a unit: `rate` of the balance above `exempt_below`, once per period."""

    rate: Decimal
    period: str  # "month", "quarter" or "year"
    exempt_below: int  # minor units


class UnitMismatch(ApplicationError):
    code = "unit_mismatch"
    default_message = _("The accounts are not in the same unit.")


def _limit(unit_config: dict[str, Any], key: str, decimals: int) -> int | None:
    value = unit_config.get(key)
    if value is None:
        return None
    return int(Decimal(str(value)) * 10**decimals)


def _demurrage(config: dict[str, Any] | None, decimals: int) -> Demurrage | None:
    if not config:
        return None
    period = str(config["period"])
    if period not in {"month", "quarter", "year"}:
        raise ValueError(f"demurrage period must be month, quarter or year, not {period!r}")
    exempt = _limit(config, "exempt_below", decimals)
    return Demurrage(rate=Decimal(str(config["rate"])), period=period, exempt_below=exempt or 0)


@cache
def all_units() -> dict[str, Unit]:
    units = {}
    for code, config in settings.BOCAGE_UNITS.items():
        decimals = int(config["decimals"])
        units[code] = Unit(
            code=code,
            name=config["name"],
            kind=config["kind"],
            decimals=decimals,
            member_account=bool(config.get("member_account", False)),
            default_min_balance=_limit(config, "default_min_balance", decimals),
            default_max_balance=_limit(config, "default_max_balance", decimals),
            warning_margin=_limit(config, "warning_margin", decimals),
            demurrage=_demurrage(config.get("demurrage"), decimals),
        )
    return units


def get_unit(code: str) -> Unit:
    try:
        return all_units()[code]
    except KeyError:
        raise UnknownUnit(_("Unknown unit “%(code)s”.") % {"code": code}) from None
