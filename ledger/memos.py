"""System memos as a code and parameters, rendered in the reader's language.

A service that writes a memo of its own (a membership fee, demurrage, a conversion…) passes a
`Memo` instead of a sentence: `memo=memos.memo(MEMBERSHIP_FEE, start=starts_on, end=ends_on)`.
The posting service stores three things on the transaction (or hold): `memo`, the sentence in
the site's language (settings.LANGUAGE_CODE, as system memos always were: what the FEC export,
the admin and old readers use; the request hash covers it, as before), `memo_code` and
`memo_params`. Pages, e-mails and the API render `memo_display`: the
registered template in the reader's language, or the stored sentence when the row has no code
(rows written before codes existed, memos people typed) or its code is unknown.

An app declares its memos in its `memos.py` as `MemoSpec`s (a code and a lazy template with
`%(name)s` placeholders; which parameters are dates or amounts) and registers them in its
AppConfig.ready, as it does its transaction kinds (ledger.kinds):

    from ledger import memos
    memos.register(*MY_MEMOS)

Parameters are stored as JSON: dates as ISO strings (`2027-05-07`), amounts as
`{"minor": 150, "unit": "ACH"}`, anything else as a string or an integer. Dates are written with
Babel in the reader's language (`7 mai 2027`, `7 May 2027`), amounts with the unit's formatter.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from djmoney.money import Money

from core import l10n

from .units import get_unit

logger = logging.getLogger("bocage.ledger")


@dataclass(frozen=True)
class MemoSpec:
    """A memo code, its lazy template, and which of its parameters are dates and amounts."""

    code: str
    template: str | Promise
    dates: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    # (parameter, TextChoices class): the parameter holds a choice's value, shown by its label.
    choices: tuple[tuple[str, Any], ...] = ()
    # Parameters naming a period: "2026-11" (a month), "2026-Q4" (a quarter) or "2026" (a year).
    periods: tuple[str, ...] = ()


@dataclass(frozen=True)
class Memo:
    """A memo to write: `str()` is its sentence in the active language (stored as `memo`)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    # The text to store should the code not render (a row's own text, when a hold's memo is
    # carried over to the transaction that captures it).
    fallback: str = field(default="", compare=False)

    def __str__(self) -> str:
        """The sentence in the active language."""
        return render(self.code, self.params) or self.fallback or self.code

    def stored_text(self) -> str:
        """The sentence stored as `memo`: in the site's language (settings.LANGUAGE_CODE), so the
        books read the same whoever's language recorded it (as system memos always were)."""
        with override(settings.LANGUAGE_CODE):
            return str(self)


# The ledger's own memos.
REVERSAL = "ledger.reversal"
STANDING_ORDER = "ledger.standing_order"

LEDGER_MEMOS = [
    MemoSpec(REVERSAL, _("Reversal of transaction #%(id)s")),
    MemoSpec(STANDING_ORDER, _("Standing order #%(id)s, period %(period)s")),
]

_registered: dict[str, MemoSpec] = {}


def register(*specs: MemoSpec) -> None:
    """Declare memo codes (from an AppConfig.ready). A code registered twice must keep its spec."""
    for spec in specs:
        known = _registered.get(spec.code)
        if known is not None and known != spec:
            raise ValueError(f"memo code {spec.code!r} is registered twice with different templates")
        _registered[spec.code] = spec


def registered() -> list[MemoSpec]:
    return [_registered[code] for code in sorted(_registered)]


def _plain(value: Any) -> Any:
    if isinstance(value, Money):
        unit = get_unit(str(value.currency))
        return {"minor": unit.to_minor(value), "unit": unit.code}
    if isinstance(value, datetime):
        return timezone.localtime(value).date().isoformat() if timezone.is_aware(value) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    return str(value)


def memo(code: str, /, **params: Any) -> Memo:
    """A memo of a registered code. Dates become ISO strings, Money an amount, the rest text."""
    if code not in _registered:
        raise ValueError(f"memo code {code!r} is not registered")
    return Memo(code=code, params={key: _plain(value) for key, value in params.items()})


def amount_param(minor: int, unit: str) -> dict[str, Any]:
    """An amount parameter from minor units (`memo(CODE, amount=amount_param(150, "ACH"))`)."""
    return {"minor": int(minor), "unit": unit}


def format_long_date(value: date, language: str | None = None) -> str:
    """`7 mai 2027` in French (`1er mai 2027` on the first), `7 May 2027` in English: core.l10n's
    long date, with the French ordinal of the first day of a month."""
    text = l10n.format_long_date(value, language=language)
    if l10n.language_of(language) == "fr" and value.day == 1:
        text = "1er" + text[1:]
    return text


def format_period(period: str, language: str | None = None) -> str:
    """`2026-11` → `novembre 2026` / `November 2026`; `2026-Q4` → `4e trimestre 2026` /
    `4th quarter 2026`; a year, or anything else, as it is."""
    locale = l10n.babel_locale(language)
    year, _sep, part = period.partition("-")
    if not year.isdigit() or not part:
        return period
    if part.isdigit() and 1 <= int(part) <= 12:
        return format_date(date(int(year), int(part), 1), format="MMMM y", locale=locale)
    if part[:1] == "Q" and part[1:] in {"1", "2", "3", "4"}:
        return format_date(date(int(year), (int(part[1:]) - 1) * 3 + 1, 1), format="QQQQ y", locale=locale)
    return period


def _render_param(spec: MemoSpec, name: str, value: Any) -> Any:
    if name in spec.dates and isinstance(value, str):
        return format_long_date(date.fromisoformat(value))
    if name in spec.periods and isinstance(value, str):
        return format_period(value)
    if name in spec.amounts and isinstance(value, dict):
        return get_unit(value["unit"]).format(int(value["minor"]))
    for choice_name, choices in spec.choices:
        if name == choice_name:
            return str(choices(value).label)
    return value


def render(code: str, params: dict[str, Any] | None) -> str | None:
    """The sentence of a registered code in the active language; None if the code is unknown or its
    parameters do not fit its template (the caller then shows the stored text: never an error)."""
    spec = _registered.get(code)
    if spec is None:
        return None
    params = params or {}
    try:
        values = {name: _render_param(spec, name, value) for name, value in params.items()}
        # A plural template (ngettext_lazy with a named number) picks its form from `values`.
        return str(spec.template % values)
    except (KeyError, ValueError, TypeError) as exc:
        logger.warning("memo %s could not be rendered: %s", code, exc)
        return None


def display(memo_text: str, code: str, params: dict[str, Any] | None) -> str:
    """What a reader sees: the rendered code, or the stored text."""
    if code:
        rendered = render(code, params)
        if rendered is not None:
            return rendered
    return memo_text


def of_row(memo_text: str, code: str | None, params: dict[str, Any] | None) -> str | Memo:
    """A stored row's memo (a hold's), to write again on another row (its capture)."""
    return Memo(code, params or {}, fallback=memo_text) if code else memo_text


def split(value: str | Memo) -> tuple[str, str, dict[str, Any]]:
    """(text, code, params) to store for a memo given as text or as a `Memo`."""
    if isinstance(value, Memo):
        return value.stored_text()[:255], value.code, value.params
    return (value or "")[:255], "", {}


def fingerprint(value: str | Memo) -> str:
    """The memo's part of a request hash: its stored text, as before codes existed (the site's
    language, whoever asks), so the same request keeps the same hash."""
    return value.stored_text() if isinstance(value, Memo) else value


def canonical_params(params: Any) -> str:
    """The parameters as the seal hashes them: compact JSON, keys sorted, UTF-8 kept as is.
    Accepts the JSON text itself (a raw database cursor returns jsonb as text)."""
    if isinstance(params, str):
        params = json.loads(params)
    return json.dumps(params or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
