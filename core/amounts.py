"""The one amount parser: every form, API field and import reads typed amounts through it.

What it accepts, everywhere (pages and API alike, so a figure copied from one works in the other):

- ASCII digits only. Python's `Decimal` and `int` also take `"1_0"` (10), Arabic-Indic `"١"` and
  full-width `"１"` digits, exponents (`"1e3"`), `"NaN"` and `"Infinity"`: all refused here.
- At most one decimal separator, `,` or `.`, with digits on both sides: `1,5`, `1.5`, `12,50`.
- Thousands grouped by a space, a no-break space (U+00A0) or a narrow no-break space (U+202F),
  as French users type and as `Unit.format` writes them: `1 000,50`. Groups are of three digits;
  `.` or `,` as thousands separators (`1.000,50`, `1,000.50`) are refused, being ambiguous.
  With `localized=False` (the API, whose schema says a decimal string such as "12.50") only
  `.` separates decimals and nothing groups thousands.
- A minus sign only where the field allows negatives (none of the typed amounts does today);
  a plus sign never.
- At most `decimals` decimals when the caller knows the unit (trailing zeros do not count:
  `12,500` is 12.50). Otherwise the unit's own check (`Unit.to_minor`) has the last word.
- With `hours=True`, durations too: `1 h 30`, `1h30`, `1 h`, `1:30`, `45 min` (minutes 0–59,
  except alone), turned into decimal hours with two decimals (`1 h 20` is 1.33, as
  `Unit.format` shows it back). `1,5` is one hour and a half.
- On pages (`localized=True`), a trailing euro sign (`12 €`, `12€`) and the unit's own code when
  the caller names it (`suffixes=("€", "ACH")`: `12 ACH`), as people copy amounts from the site;
  an amount in hours takes neither (`suffixes=()`).

Every refusal raises `AmountError` carrying the same message, `AMOUNT_INVALID`. The form field
(`AmountField`) shows its unit beside the input (`AmountInput`, tied by `aria-describedby`) and,
where the unit is chosen in another field, says when a duration was typed for a unit that is not
hours (`DURATION_NOT_HOURS`).
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from core import l10n

# "12.50" is read everywhere (pages and API), so the one message can show it.
AMOUNT_INVALID = _("Enter an amount in digits, such as “12.50”.")
# "1 h 30" typed while the unit chosen is not hours (the Pay page's unit list, a campaign's unit).
DURATION_NOT_HOURS = _("“%(value)s” is a duration: choose the unit Hours, or type an amount in digits.")

# Longer than any amount a unit can hold (18 digits, spaces and decimals): bounded work per input.
MAX_LENGTH = 40

_SPACES = "\u0020\u00a0\u202f"
# [0-9], never \d: in Python \d matches every Unicode decimal digit.
_NUMBER = re.compile(
    rf"""^(?P<sign>-)?
    (?P<whole>[0-9]+|[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+)
    (?:[.,](?P<fraction>[0-9]+))?$""",
    re.VERBOSE,
)
_PLAIN_NUMBER = re.compile(r"^(?P<sign>-)?(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?$")
_DURATION = re.compile(
    rf"""^(?:
        (?P<hours>[0-9]{{1,5}})[{_SPACES}]*(?:h|H|:)[{_SPACES}]*(?P<minutes>[0-9]{{1,2}})?[{_SPACES}]*(?:min|mn|m)?
        | (?P<only_minutes>[0-9]{{1,5}})[{_SPACES}]*(?:min|mn|m)
    )$""",
    re.VERBOSE,
)


class AmountError(ValueError):
    """An amount typed in a form, an API body or an import could not be read."""

    code = "invalid"

    def __init__(self) -> None:
        super().__init__(str(AMOUNT_INVALID))
        self.message = AMOUNT_INVALID


def duration_to_hours(hours: int, minutes: int) -> Decimal:
    """Hours and minutes as hours with two decimals (hundredths of an hour).

    A minute is 1.67 hundredths: minutes are rounded half up to the nearest hundredth (at most
    18 seconds off), and `Unit.format` shows the same minutes back ("1 h 20" stays "1 h 20").
    """
    hundredths = (Decimal(minutes) * 100 / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Decimal(hours) + hundredths / 100


def is_duration(text: str) -> bool:
    """Whether `text` is written as a duration ("1 h 30", "45 min"), which only hours may be."""
    return bool(_DURATION.match(text.strip()))


def _without_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    """`12 €` → `12`, `12 ACH` → `12` (when "€", "ACH" are among the suffixes); once, any case."""
    for suffix in suffixes:
        if suffix and text.upper().endswith(suffix.upper()) and len(text) > len(suffix):
            return text[: -len(suffix)].rstrip(_SPACES)
    return text


def parse_amount(
    text: str,
    *,
    decimals: int | None = None,
    negative: bool = False,
    hours: bool = False,
    localized: bool = True,
    suffixes: tuple[str, ...] = ("€",),
) -> Decimal:
    """Reads a typed amount as a Decimal; raises AmountError for anything else (see the module)."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise AmountError
    text = text.strip()
    if localized:
        text = _without_suffix(text, suffixes)
    if hours:
        duration = _DURATION.match(text)
        if duration:
            if duration["only_minutes"] is not None:
                return duration_to_hours(*divmod(int(duration["only_minutes"]), 60))
            minutes = int(duration["minutes"] or 0)
            if minutes > 59:
                raise AmountError
            return duration_to_hours(int(duration["hours"]), minutes)
    number = (_NUMBER if localized else _PLAIN_NUMBER).match(text)
    if number is None or (number["sign"] and not negative):
        raise AmountError
    fraction = number["fraction"] or ""
    if decimals is not None and len(fraction.rstrip("0")) > decimals:
        raise AmountError
    whole = re.sub(f"[{_SPACES}]", "", number["whole"])
    return Decimal(f"{number['sign'] or ''}{whole}" + (f".{fraction}" if fraction else ""))


# What the input shows beside an amount in each unit: the unit's code, but "h" for hours and "€"
# for euros (static/js/inputs.js shows the same when the unit is chosen in another field).
UNIT_SUFFIXES = {"HRS": "h", "EUR": "€"}


def unit_suffix(unit: str) -> str:
    return UNIT_SUFFIXES.get(unit, unit)


class AmountInput(forms.TextInput):
    """A text input for an amount with its unit beside it: `<span class="amount-unit">ACH</span>`, named by
    the input's `aria-describedby` (before any help text or error Django adds there).

    `unit` is the fixed unit's code; `unit_from` names the form's field (a select) that chooses the
    unit, whose choice static/js/inputs.js then shows beside the input. Styles: static/css/inputs.css.
    """

    template_name = "core/widgets/amount_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, unit: str = "", unit_from: str = "") -> None:
        base = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
        super().__init__({**base, **(attrs or {})})
        self.unit, self.unit_from = unit, unit_from

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        input_id = widget["attrs"].get("id")
        if input_id and (self.unit or self.unit_from):
            widget["unit_id"] = f"{input_id}_unit"
            described = [widget["unit_id"], *str(widget["attrs"].get("aria-describedby", "")).split()]
            widget["attrs"]["aria-describedby"] = " ".join(described)
        widget["unit_label"] = unit_suffix(self.unit) if self.unit else ""
        widget["unit_from"] = self.unit_from
        widget["unit_labels"] = json.dumps(UNIT_SUFFIXES, ensure_ascii=False)
        return context


class AmountField(forms.Field):
    """THE form field for an amount (money or hours), cleaned by `parse_amount` to a Decimal (or None
    when empty), with its unit shown beside the input (`AmountInput`).

    `unit` names a fixed unit (its code is then also read after the figure: "12 ACH"); `hours=True`
    also reads durations ("1 h 30"). A form whose unit is chosen in another field
    (`AmountsInUnitForm`) turns `hours` on, shows the chosen unit, and refuses a duration for other
    units in its `clean()` (`is_duration`).
    """

    default_error_messages = {"invalid": AMOUNT_INVALID}
    widget = AmountInput

    def __init__(
        self,
        *,
        decimals: int | None = None,
        negative: bool = False,
        hours: bool = False,
        unit: str | None = None,
        min_value: Decimal | int | None = None,
        **kwargs: Any,
    ) -> None:
        self.decimals, self.negative, self.unit = decimals, negative, unit
        # The unit's code typed after the figure ("12 ACH"): the field's unit, or the form's choice.
        self.typed_unit = unit or ""
        self.hours = hours or unit == HOURS_UNIT
        kwargs.setdefault("widget", AmountInput(unit=unit or ""))
        super().__init__(**kwargs)
        if min_value is not None:
            self.validators.append(MinValueValidator(Decimal(min_value)))

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):  # an initial value, not typed
            return value
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_amount(
                str(value),
                decimals=self.decimals,
                negative=self.negative,
                hours=self.hours,
                suffixes=() if self.typed_unit == HOURS_UNIT else ("€", self.typed_unit),
            )
        except AmountError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        # Shown back as the user's language writes it ("12,50" in French), which parses again.
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return formats.number_format(value, use_l10n=True)
        return value


# The unit whose amounts are durations, as `ledger.units.Unit.format` writes them ("1 h 30").
HOURS_UNIT = "HRS"


def refuse_duration_unless_hours(form: forms.Form, field_name: str, *, unit: str | None) -> None:
    """For a form whose unit is chosen in another field: "1 h 30" is an amount only in hours."""
    raw = form.data.get(form.add_prefix(field_name))
    if unit != HOURS_UNIT and isinstance(raw, str) and is_duration(raw) and field_name in form.cleaned_data:
        form.add_error(
            field_name, forms.ValidationError(DURATION_NOT_HOURS, code="invalid", params={"value": raw.strip()})
        )


class AmountsInUnitForm(forms.Form):
    """A form whose hours-aware amount fields (`AmountField(hours=True)`) take a duration only
    when the unit is hours: the unit given to the form (`unit=`), or else its `unit` field, whose
    choice the amount inputs show beside them."""

    unit_field = "unit"

    def __init__(self, *args: Any, unit: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.amount_unit = unit
        shown = unit or self._chosen_unit()
        for field in self.fields.values():
            if not isinstance(field, AmountField) or not field.hours or field.unit:
                continue  # not an amount in the form's unit (a rate, a ratio, a fixed unit)
            field.typed_unit = shown
            if isinstance(field.widget, AmountInput):
                field.widget.unit = shown
                if not unit and self.unit_field in self.fields:
                    field.widget.unit_from = self.add_prefix(self.unit_field)

    def _chosen_unit(self) -> str:
        """The unit the page shows first: the one posted, else the initial one, else the first choice
        ("" where the first choice is "any unit" or "to be agreed": nothing is shown then)."""
        field = self.fields.get(self.unit_field)
        if field is None:
            return ""
        name = self.add_prefix(self.unit_field)
        if self.is_bound and name in self.data:
            posted = self.data.get(name)
            return posted if isinstance(posted, str) else ""
        initial = self.initial.get(self.unit_field, field.initial)
        initial = initial() if callable(initial) else initial
        if initial:
            return str(initial)
        choices = list(getattr(field, "choices", []) or [])
        return str(choices[0][0]) if choices else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit = self.amount_unit or cleaned.get("unit")
        for name, field in self.fields.items():
            if isinstance(field, AmountField) and field.hours:
                refuse_duration_unless_hours(self, name, unit=unit if isinstance(unit, str) else None)
        return cleaned


# A count typed by a person (shares, votes): ASCII digits only, as for amounts. A minus sign is
# read so that the field's min_value says what is wrong ("greater than or equal to 0").
_WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,12}$")


def is_whole_number(text: str) -> bool:
    """Whether `text` is a count in ASCII digits; `int()` would also take "1_0" and "١"."""
    return bool(_WHOLE_NUMBER.match(text.strip()))


class WholeNumberField(forms.IntegerField):
    """A form field for a count: Django's IntegerField, but only ASCII digits ("1_0" is not 10)."""

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip() and not is_whole_number(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# --- computing and writing amounts -------------------------------------------------------------


def fee_for(amount: int, rate: Decimal) -> int:
    """A fee in minor units: `amount` (minor units) × `rate`, rounded to the minor unit, half up."""
    return int((Decimal(amount) * rate).to_integral_value(rounding=ROUND_HALF_UP))


def format_euros(cents: int | None) -> str:
    """`6000` → `60,00 €` in French, `€60.00` in English (the reader's language, `core.l10n`)."""
    return l10n.format_euros(cents)
